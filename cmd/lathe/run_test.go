package main

import "testing"

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"20GiB", 20 << 30, true},
		{"1.5G", 3 << 29, true},
		{"512MiB", 512 << 20, true},
		{"512mib", 512 << 20, true},
		{"40 GB", 40 << 30, true},
		{"64k", 64 << 10, true},
		{"20", 0, false},
		{"", 0, false},
		{"lots", 0, false},
		{"-1G", 0, false},
		{"InfG", 0, false},
		{"NaNG", 0, false},
		{"1e30G", 0, false},
	} {
		got, err := parseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v", tc.in, got, err)
		}
	}
}
