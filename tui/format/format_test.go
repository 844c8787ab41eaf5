package format

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 4200 * time.Millisecond: "4.2s", 37 * time.Second: "37s", 12*time.Minute + 5*time.Second: "12m05s",
		3*time.Hour + 20*time.Minute: "3h20m", 47 * time.Hour: "47h00m", 7*24*time.Hour - time.Minute: "6d23h", 30 * 24 * time.Hour: "30d00h",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestShort(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {1, "1"}, {12, "12"}, {0.5, "0.5"}, {0.003, "0.003"}, {0.00345, "0.00345"},
		{1234, "1.23k"}, {1200, "1.2k"}, {-1500, "-1.5k"}, {999.96, "1k"}, {123456, "123k"},
		{2.5e6, "2.5e+06"}, {999999, "1e+06"}, {1e-5, "1e-05"}, {-2.51e-7, "-2.51e-07"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Inf"}, {math.Inf(-1), "-Inf"},
	} {
		if got := Short(c.v, 3); got != c.want {
			t.Errorf("Short(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	cases := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "", want: nil},
		{in: " \t ", want: nil},
		{in: "python3 train.py --lr 0.01", want: []string{"python3", "train.py", "--lr", "0.01"}},
		{in: "  a   b\tc  ", want: []string{"a", "b", "c"}},
		{in: `echo 'hello world'`, want: []string{"echo", "hello world"}},
		{in: `echo "hello  world"`, want: []string{"echo", "hello  world"}},
		{in: `echo "a \"b\" c"`, want: []string{"echo", `a "b" c`}},
		{in: `"C:\path\to" "\\" "\$HOME" "\x"`, want: []string{`C:\path\to`, `\`, `$HOME`, `\x`}},
		{in: `'a\b' 'say "hi"'`, want: []string{`a\b`, `say "hi"`}},
		{in: `a\ b \'q\' \\`, want: []string{"a b", "'q'", `\`}},
		{in: `a\ `, want: []string{"a "}},
		{in: `'it'\''s'`, want: []string{"it's"}},
		{in: `pre'mid dle'"post"`, want: []string{"premid dlepost"}},
		{in: `'' x ""`, want: []string{"", "x", ""}},
		{in: `$HOME *.py ~`, want: []string{"$HOME", "*.py", "~"}},
		{in: "日本 'ü x'", want: []string{"日本", "ü x"}},
		{in: `echo 'abc`, wantErr: `an unterminated ' quote`},
		{in: `echo "abc`, wantErr: `an unterminated " quote`},
		{in: `echo "abc\"`, wantErr: `an unterminated " quote`},
		{in: `echo abc\`, wantErr: `a \ at the end`},
	}
	for _, c := range cases {
		got, err := SplitCommand(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("SplitCommand(%q) = %q, %v; want an error with %q", c.in, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestNumber(t *testing.T) {
	for _, c := range []struct {
		v    float64
		sig  int
		want string
	}{
		{0.31234567, 4, "0.3123"}, {0.31234567, 6, "0.312346"}, {1523.5, 4, "1524"}, {1e-9, 4, "1e-09"},
		{123456789, 4, "1.235e+08"}, {-2, 4, "-2"}, {math.NaN(), 4, "NaN"}, {math.Inf(1), 6, "Inf"}, {math.Inf(-1), 6, "-Inf"},
		{2, 0, "2"},
	} {
		if got := Number(c.v, c.sig); got != c.want {
			t.Errorf("Number(%v, %d) = %q, want %q", c.v, c.sig, got, c.want)
		}
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 512: "512 B", 1536: "1.5 KiB", 12 << 20: "12.0 MiB", 80 << 30: "80.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
	if got := GiBs(18 << 30); got != "18.0" {
		t.Errorf("GiBs = %q", got)
	}
}

func TestElapsedAndDevices(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	start, end := now.Add(-90*time.Second), now.Add(-30*time.Second)
	if got := Elapsed(nil, nil, now); got != "-" {
		t.Errorf("not started: %q", got)
	}
	if got := Elapsed(&start, nil, now); got != "1m30s" {
		t.Errorf("running: %q", got)
	}
	if got := Elapsed(&start, &end, now); got != "1m00s" {
		t.Errorf("ended: %q", got)
	}
	if got := Devices(nil) + " " + Devices([]int{0, 2}); got != "- 0,2" {
		t.Errorf("devices: %q", got)
	}
}

// Any argv written by Command and read by SplitCommand comes back the same.
func TestQuoteRoundTrip(t *testing.T) {
	alphabet := []rune(`ab Z09-_=.,/'"\$` + "`~#*?!;&|()<>{}[]üé日\t")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		argv := make([]string, 1+rng.IntN(4))
		for i := range argv {
			word := make([]rune, rng.IntN(6))
			for j := range word {
				word[j] = alphabet[rng.IntN(len(alphabet))]
			}
			argv[i] = string(word)
		}
		got, err := SplitCommand(Command(argv))
		if err != nil || !reflect.DeepEqual(got, argv) {
			t.Fatalf("%q written as %s reads back as %q, %v", argv, Command(argv), got, err)
		}
	}
	// Plain words stay plain; a shell's history character is quoted.
	if got := Command([]string{"python3", "train.py", "--lr=0.01", "it's", "hi!"}); got != `python3 train.py --lr=0.01 "it's" 'hi!'` {
		t.Errorf("Command = %s", got)
	}
}

func TestCaret(t *testing.T) {
	for _, c := range []struct {
		expr       string
		pos        int
		line, want string
	}{
		{"metrics.loss <> 3", 14, "metrics.loss <> 3", "              ^"},
		{"name = \"名前\" and x = 1", 20, "name = \"名前\" and x = 1", "                  ^"},
		{"a and\n\tb", 7, "a and  b", "       ^"},
		{"abc", 99, "abc", "   ^"},
		{"aé", 2, "aé", " ^"}, // inside é: moved back to its start
	} {
		line, caret := Caret(c.expr, c.pos)
		if line != c.line || caret != c.want {
			t.Errorf("Caret(%q, %d) = %q %q, want %q %q", c.expr, c.pos, line, caret, c.line, c.want)
		}
	}
}

func TestSparklineAndBar(t *testing.T) {
	if got := Sparkline([]float64{0, 50, 100, math.NaN()}, 6, 0, 100); got != "▁▄█   " {
		t.Errorf("Sparkline = %q", got)
	}
	if got := Sparkline([]float64{3, 3}, 2, math.NaN(), math.NaN()); got != "▅▅" {
		t.Errorf("flat Sparkline = %q", got)
	}
	if got := Bar(0.5, 4) + "|" + Bar(math.NaN(), 3) + "|" + Bar(2, 2); got != "██░░|···|██" {
		t.Errorf("Bar = %q", got)
	}
	if got := Pad("ab", 4) + "|" + Fit("abcdef", 4) + "|" + Box("a\nb\nc", 2, 2); got != "ab  |abc…|a\nb" {
		t.Errorf("Pad/Fit/Box = %q", got)
	}
}

// WrapItems breaks between items only, and cuts an item too wide.
func TestWrapItems(t *testing.T) {
	got := WrapItems([]string{"file a.toml", "acc ↑", "12 trials, 2 at once", "a very long item indeed"}, " · ", 20)
	want := []string{"file a.toml · acc ↑", "12 trials, 2 at once", "a very long item in…"}
	if !slices.Equal(got, want) {
		t.Errorf("WrapItems = %q, want %q", got, want)
	}
	if got := WrapItems(nil, " · ", 20); got != nil {
		t.Errorf("no items: %q", got)
	}
}

// NumberFit never cuts: the most digits that fit, plain or in compact
// exponent form, and the shortest spelling when nothing fits.
func TestNumberFit(t *testing.T) {
	for _, c := range []struct {
		v     float64
		width int
		want  string
	}{
		{0.0073456, 9, "0.007346"}, {0.0073456, 7, "0.00735"}, {0.0073456, 6, "0.0073"}, {0.0073456, 5, "0.007"}, {0.0073456, 4, "7e-3"},
		{1.913e-5, 9, "1.913e-5"}, {1.913e-5, 6, "1.9e-5"}, {1.913e-5, 3, "2e-5"},
		{0.42, 7, "0.42"}, {3, 7, "3"}, {-0.123456, 7, "-0.1235"}, {-0.123456, 5, "-0.12"},
		{123456, 7, "123456"}, {123456, 5, "1.2e5"}, {12345.6, 7, "12346"}, {1.5e6, 9, "1500000"}, {3.2e20, 9, "3.2e20"},
		{0, 1, "0"}, {math.NaN(), 2, "NaN"}, {math.Inf(-1), 9, "-Inf"},
	} {
		got := NumberFit(c.v, c.width)
		if got != c.want {
			t.Errorf("NumberFit(%v, %d) = %q, want %q", c.v, c.width, got, c.want)
		}
		if strings.Contains(got, "…") {
			t.Errorf("NumberFit(%v, %d) cut: %q", c.v, c.width, got)
		}
	}
}

// FitMiddle keeps the start and the end of what it cuts.
func TestFitMiddle(t *testing.T) {
	for _, c := range []struct {
		s    string
		w    int
		want string
	}{
		{"short", 10, "short"}, {"resnet50-imagenet-lr0.1-seed1", 15, "resnet5…1-seed1"}, {"abcdefghij", 5, "ab…ij"}, {"abcdef", 3, "ab…"},
	} {
		if got := FitMiddle(c.s, c.w); got != c.want {
			t.Errorf("FitMiddle(%q, %d) = %q, want %q", c.s, c.w, got, c.want)
		}
	}
}
