package capture

import (
	"maps"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseFreeze(t *testing.T) {
	t.Parallel()
	out := `## !! Could not determine repository location
# Editable install with no version control (mypkg==0.1)
-e /home/u/src/mypkg
-e git+https://github.com/u/tool.git@abc123#egg=Tool_Kit
PyYAML==6.0.1
torch==2.1.0+cu121
nvidia-cuda-runtime-cu12==12.1.105
typing_extensions==4.8.0
local-thing @ file:///home/u/wheels/local_thing-1.0-py3-none-any.whl
weird===1.0-custom

zope.interface==6.0
`
	want := map[string]string{
		"mypkg":                    "-e /home/u/src/mypkg",
		"tool-kit":                 "-e git+https://github.com/u/tool.git@abc123#egg=Tool_Kit",
		"pyyaml":                   "6.0.1",
		"torch":                    "2.1.0+cu121",
		"nvidia-cuda-runtime-cu12": "12.1.105",
		"typing-extensions":        "4.8.0",
		"local-thing":              "@ file:///home/u/wheels/local_thing-1.0-py3-none-any.whl",
		"weird":                    "===1.0-custom",
		"zope-interface":           "6.0",
	}
	if got := parseFreeze(out); !maps.Equal(got, want) {
		t.Errorf("parseFreeze =\n%q\nwant\n%q", got, want)
	}
}

func TestParseDpkg(t *testing.T) {
	t.Parallel()
	out := "installed python3-torch 1.13.1+dfsg-4\n" +
		"not-installed python3-tk \n" +
		"installed python3-typing-extensions 4.4.0-1\n" +
		"config-files python3-old 1.0-1\n" +
		"installed python3- 1\n" +
		"installed python3.11 3.11.2-6\n"
	want := map[string]string{"torch": "1.13.1+dfsg-4", "typing-extensions": "4.4.0-1"}
	if got := parseDpkg(out); !maps.Equal(got, want) {
		t.Errorf("parseDpkg = %q, want %q", got, want)
	}
}

func TestPrettyName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ content, want string }{
		{"PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\n", "Debian GNU/Linux 13 (trixie)"},
		{"NAME=Alpine\nID=alpine\n", "Alpine"},
		{"# comment\nPRETTY_NAME='Single quoted'\n", "Single quoted"},
		{`PRETTY_NAME="Quote \" and \\ inside"`, `Quote " and \ inside`},
		{"", ""},
	} {
		if got := prettyName(tc.content); got != tc.want {
			t.Errorf("prettyName(%q) = %q, want %q", tc.content, got, tc.want)
		}
	}
}

func TestParseShebang(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ line, want string }{
		{"#!/usr/bin/python3\n", "/usr/bin/python3"},
		{"#! /usr/bin/python3 -u\n", "/usr/bin/python3"},
		{"#!/usr/bin/env python3\n", "python3"},
		{"#!/usr/bin/env -S PYTHONUNBUFFERED=1 python3 -u\n", "python3"},
		{"#!/usr/bin/env\n", ""},
		{"#!\n", ""},
		{"print(1)\n", ""},
	} {
		got, ok := parseShebang(tc.line)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("parseShebang(%q) = %q, %v; want %q", tc.line, got, ok, tc.want)
		}
	}
}

func TestCUDARuntime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pkgs map[string]string
		want string
	}{
		{map[string]string{"torch": "2.1.0", "nvidia-cuda-runtime-cu12": "12.1.105"}, "12.1.105"},
		{map[string]string{"torch": "2.1.0+cu121"}, "12.1"},
		{map[string]string{"torch": "1.13.1+cu117"}, "11.7"},
		{map[string]string{"torch": "1.4.0+cu92"}, "9.2"},
		{map[string]string{"torch": "2.1.0+cpu"}, ""},
		{map[string]string{"torch": "1.13.0a0+gitunknown"}, ""},
		{nil, ""},
	} {
		if got := cudaRuntime(tc.pkgs); got != tc.want {
			t.Errorf("cudaRuntime(%q) = %q, want %q", tc.pkgs, got, tc.want)
		}
	}
}

func TestNulList(t *testing.T) {
	t.Parallel()
	l := &nulList{max: 2}
	for _, chunk := range []string{"a.t", "xt\x00b", "\x00c\x00", "d\x00"} {
		l.Write([]byte(chunk))
	}
	l.flush()
	if strings.Join(l.names, ",") != "a.txt,b" || l.count != 4 {
		t.Errorf("names %q, count %d", l.names, l.count)
	}
}

func FuzzParseFreeze(f *testing.F) {
	f.Add("torch==2.1.0\nx @ file:///a\n-e git+u#egg=y\n# c\n")
	f.Add("===\n==\n@\n-e \n")
	f.Fuzz(func(t *testing.T, out string) {
		for name := range parseFreeze(out) {
			if name != normalise(name) {
				t.Errorf("name %q is not normalised", name)
			}
		}
	})
}

func FuzzParseShebang(f *testing.F) {
	f.Add("#!/usr/bin/env -S python3 -u\n")
	f.Add("#!")
	f.Fuzz(func(t *testing.T, line string) {
		prog, ok := parseShebang(line)
		if ok != (prog != "") || strings.ContainsAny(prog, " \t\n") {
			t.Errorf("parseShebang(%q) = %q, %v", line, prog, ok)
		}
	})
}

func FuzzPrettyName(f *testing.F) {
	f.Add("PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\n")
	f.Add("NAME='x'\nPRETTY_NAME=\"\\\"\"")
	f.Fuzz(func(t *testing.T, content string) {
		got := prettyName(content)
		if utf8.ValidString(content) && !utf8.ValidString(got) {
			t.Errorf("prettyName(%q) = %q, not UTF-8", content, got)
		}
	})
}
