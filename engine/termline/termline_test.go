package termline

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRender(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{"crlf\r", "crlf"},
		{" 10%|█   |\r 50%|██  |\r100%|████|", "100%|████|"},
		{"abcdef\rXY", "XYcdef"},
		{"abcdef\rXY\x1b[K", "XY"},
		{"abcdef\r\x1b[2KXY", "XY"},
		{"ab\bC", "aC"},
		{"\b\bx", "x"},
		// A colour takes the columns of its bytes: "no" overwrites ESC and '['.
		{"\x1b[32mok\x1b[0m\rno", "no32mok\x1b[0m"},
		{"Epoch 1/2\r 1/10 [=>...] - loss: 0.9\r10/10 [======] - loss: 0.3", "10/10 [======] - loss: 0.3"},
	} {
		if got := string(Render([]byte(tt.in))); got != tt.want {
			t.Errorf("Render(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A bar redrawn ten thousand times is its last state.
func TestRenderLongBar(t *testing.T) {
	var b strings.Builder
	for i := 0; i <= 10000; i++ {
		fmt.Fprintf(&b, "\r%5d%%|%s|", i/100, strings.Repeat("#", i/200))
	}
	if got, want := string(Render([]byte(b.String()))), "  100%|"+strings.Repeat("#", 50)+"|"; got != want {
		t.Errorf("last state = %q, want %q", got, want)
	}
}

func TestWriter(t *testing.T) {
	in := "start\n 0%|\r 50%|\r100%|\ndone\r\nhalf"
	// Every split of the input gives the same output.
	for i := 0; i <= len(in); i++ {
		for j := i; j <= len(in); j++ {
			var out bytes.Buffer
			w := NewWriter(&out)
			for _, part := range []string{in[:i], in[i:j], in[j:]} {
				if n, err := w.Write([]byte(part)); n != len(part) || err != nil {
					t.Fatalf("write %q: %d %v", part, n, err)
				}
			}
			w.Flush()
			if want := "start\n100%|\ndone\nhalf"; out.String() != want {
				t.Fatalf("split %d,%d: %q, want %q", i, j, out.String(), want)
			}
		}
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"a\rb", "\x1b[K\r", "\b\b\x1b[2K", "é\rx", "\x1b[", "a\r\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := Render(b)
		if !bytes.ContainsAny(b, "\r\b") && !bytes.Equal(out, bytes.TrimSuffix(b, []byte("\r"))) {
			t.Errorf("a plain line changed: %q → %q", b, out)
		}
		if utf8.Valid(b) && !utf8.Valid(out) {
			t.Errorf("valid text rendered invalid: %q → %q", b, out)
		}
		var w bytes.Buffer
		tw := NewWriter(&w)
		tw.Write(b)
		tw.Flush()
	})
}

// A rune cut between two writes is one column, as it is on a terminal.
func TestRuneSplitAcrossWrites(t *testing.T) {
	in := []byte("ab█c\rX")
	for i := range len(in) {
		var l Line
		l.Write(in[:i])
		l.Write(in[i:])
		if got := string(l.Bytes()); got != "Xb█c" {
			t.Errorf("split at %d: %q", i, got)
		}
	}
}

// BenchmarkRenderProgressBar renders a tqdm bar redrawn 10 000 times on
// one line (about 1 MB), as the log view and the output tailer do.
func BenchmarkRenderProgressBar(b *testing.B) {
	var line []byte
	for i := range 10_000 {
		line = fmt.Appendf(line, "\r%3d%%|%-50s| %d/10000 [00:%02d<00:10, 987.65it/s]", i/100, strings.Repeat("█", i/200), i, i/1000)
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if len(Render(line)) == 0 {
			b.Fatal("nothing rendered")
		}
	}
}
