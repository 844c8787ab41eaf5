package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestIndentJSONAsEncodingJSON: the fast indenter writes what json.Indent
// writes, for what encoding/json encodes.
func TestIndentJSONAsEncodingJSON(t *testing.T) {
	values := []any{
		map[string]any{},
		[]any{},
		map[string]any{"a": []any{}, "b": map[string]any{}, "c": []any{1, "x", nil, true, 2.5e-9}},
		map[string]any{`k"{[,:]}`: `v\"{}[],: \\ "q"`, "nested": map[string]any{"x": []any{map[string]any{"y": []any{[]any{}}}}}},
		"a string with \u2028 and <html> & \\",
		[]any{map[string]any{"version": 3, "aliases": []string{"champion"}}, map[string]any{"version": 2, "aliases": nil}},
		42,
	}
	for _, v := range values {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		json.Indent(&want, raw, "", "  ")
		if got := indentJSON(nil, raw); string(got) != want.String() {
			t.Errorf("indentJSON(%s) =\n%s\nwant\n%s", raw, got, want.String())
		}
	}
}

func FuzzIndentJSON(f *testing.F) {
	f.Add(`{"a":[1,{"b":"c,:[]{}\""}],"d":{}}`)
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		raw, _ := json.Marshal(v)
		var want bytes.Buffer
		json.Indent(&want, raw, "", "  ")
		if got := indentJSON(nil, raw); string(got) != want.String() {
			t.Fatalf("indentJSON(%s) =\n%s\nwant\n%s", raw, got, want.String())
		}
	})
}
