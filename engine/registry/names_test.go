package registry

import (
	"errors"
	"testing"

	"lathe/engine/api"
)

func TestParseRef(t *testing.T) {
	for in, want := range map[string]Ref{
		"digits@3":         {Model: "digits", Version: 3},
		"digits@v3":        {Model: "digits", Version: 3},
		"digits@V12":       {Model: "digits", Version: 12},
		"digits@champion":  {Model: "digits", Alias: "champion"},
		"digits@latest":    {Model: "digits", Alias: Latest},
		"digits@LATEST":    {Model: "digits", Alias: Latest},
		"my.model-2@a_b-c": {Model: "my.model-2", Alias: "a_b-c"},
	} {
		got, err := ParseRef(in)
		if err != nil || got != want {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"digits", "digits@", "@3", "digits@0", "digits@+3", "digits@a b", "a/b@1", "digits@v0"} {
		if _, err := ParseRef(in); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("ParseRef(%q): err = %v, want invalid", in, err)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "v7": 7, "V7": 7} {
		if got, err := ParseVersion(in); err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0", "-1", "+1", "x", "v", "1.5"} {
		if _, err := ParseVersion(in); err == nil {
			t.Errorf("ParseVersion(%q) accepted", in)
		}
	}
}

func TestPrimaryMetric(t *testing.T) {
	dir := func(name string) string {
		switch name {
		case "loss", "val_loss", "mse":
			return "min"
		case "val_acc", "acc", "f1":
			return "max"
		}
		return ""
	}
	for _, c := range []struct {
		metrics   []string
		name, dir string
	}{
		{[]string{"loss", "val_acc", "acc"}, "val_acc", "max"},
		{[]string{"loss", "val_loss"}, "val_loss", "min"},
		{[]string{"zeta", "mse", "f1"}, "f1", "max"}, // f1 is preferred
		{[]string{"zeta", "mse"}, "mse", "min"},
		{[]string{"throughput"}, "", ""},
		{nil, "", ""},
	} {
		name, d := PrimaryMetric(c.metrics, dir)
		if name != c.name || d != c.dir {
			t.Errorf("PrimaryMetric(%v) = %s %s, want %s %s", c.metrics, name, d, c.name, c.dir)
		}
	}
}
