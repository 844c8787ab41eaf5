package main

import (
	"strings"
	"testing"

	"lathe/engine/api"
)

func TestShowDatasets(t *testing.T) {
	var b strings.Builder
	showDatasets(&b, []api.Dataset{
		{Name: "digits-train", Path: "data/train.csv", Role: "train", Kind: "file", Size: 2048,
			SHA256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{Name: "images", Path: "/d/img", Kind: "dir", Size: 3 << 20, Files: 2,
			SHA256: "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", Partial: true},
		{Name: "gone", Path: "no/such.csv", Role: "test", Error: "no such file"},
		{Name: "new", Path: "x.csv"},
	})
	want := `DATA          ROLE   PATH            SIZE                  SHA256
digits-train  train  data/train.csv  <0.001 GiB            0123456789ab
images        -      /d/img          0.003 GiB in 2 files  fedcba987654 (partial)
gone          test   no/such.csv     -                     no such file
new           -      x.csv           -                     digesting…
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
