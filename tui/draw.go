package tui

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"lathe/engine"
)

func itoa(n int) string { return strconv.Itoa(n) }

// fitWidth cuts s to w cells.
func fitWidth(s string, w int) string { return ansi.Truncate(s, w, "…") }

// fitBox makes s exactly h lines, each cut to w cells (the terminal clears
// what a short line leaves). It is what lipgloss's Width, Height and
// MaxHeight do, at a fraction of the cost: no wrapping, no padding of the
// lines, which a frame pays at every redraw.
func fitBox(s string, w, h int) string {
	lines := strings.SplitN(strings.TrimSuffix(s, "\n"), "\n", h+1)
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = fitWidth(l, w)
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func padRight(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return fitWidth(s, w)
}

// bar draws a fraction as a bar of w cells.
func bar(frac float64, w int) string {
	if math.IsNaN(frac) {
		return strings.Repeat("·", w)
	}
	n := int(math.Round(min(max(frac, 0), 1) * float64(w)))
	return strings.Repeat("█", n) + strings.Repeat("░", w-n)
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws values scaled to their own range; NaN is a gap.
func sparkline(vals []float64, w int) string {
	return Sparkline(vals, w, math.NaN(), math.NaN())
}

// Sparkline draws the last w values as bars from lo to hi (a NaN bound: the
// values' own range); NaN and infinities are gaps. The command line's
// `lathe gpus` draws with it too.
func Sparkline(vals []float64, w int, lo, hi float64) string {
	if len(vals) > w {
		vals = vals[len(vals)-w:]
	}
	if math.IsNaN(lo) || math.IsNaN(hi) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, v := range vals {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	var b strings.Builder
	for _, v := range vals {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			b.WriteRune(' ')
		case hi == lo:
			b.WriteRune(sparks[len(sparks)/2])
		default:
			i := int((v - lo) / (hi - lo) * float64(len(sparks)-1))
			b.WriteRune(sparks[min(max(i, 0), len(sparks)-1)])
		}
	}
	return padRight(b.String(), w)
}

// mainMetric is the metric a run is watched by: loss when it has one, else
// its first by name.
func mainMetric(r engine.Run) string {
	for _, n := range []string{"loss", "train_loss", "val_loss"} {
		if _, ok := r.Metrics[n]; ok {
			return n
		}
	}
	names := make([]string, 0, len(r.Metrics))
	for n := range r.Metrics {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

func number(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// ShortDuration writes a duration as people read it at a glance: 4.2s,
// 37s, 12m05s, 3h20m, 6d23h. The command line's listings use it too.
func ShortDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours()/24), int(d.Hours())%24)
}

// Elapsed is how long a run has run (or ran), "-" before it starts.
func Elapsed(r engine.Run, now time.Time) string {
	if r.Started == nil {
		return "-"
	}
	end := now
	if r.Ended != nil {
		end = *r.Ended
	}
	return ShortDuration(end.Sub(*r.Started))
}

// lastStep is the furthest step of a run's metrics.
func lastStep(r engine.Run) int64 {
	var s int64 = -1
	for _, m := range r.Metrics {
		s = max(s, m.LastStep)
	}
	return s
}

// eta estimates a running run's end from its progress toward its total.
func eta(r engine.Run, now time.Time) string {
	step := lastStep(r)
	if r.Total <= 0 || step <= 0 || r.Started == nil || r.Ended != nil {
		return ""
	}
	spent := now.Sub(*r.Started)
	left := time.Duration(float64(spent) * float64(r.Total-step) / float64(step))
	return "~" + ShortDuration(left) + " left"
}

func gib(b uint64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<30)) }
