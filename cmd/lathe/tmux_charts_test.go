package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The charts of a running run of the demo in a real terminal: one chart a
// page, paged with n and N; the inspector moved across the chart and a
// zoom between two of its places; a filter by name; the system tab's
// utilisation on 0–100%.
func TestChartsInATerminal(t *testing.T) {
	h := newHome(t)
	data := filepath.Join(h.dir, "xdg")
	demoHome := filepath.Join(data, "lathe-demo")
	demo := &home{t: t, dir: demoHome, env: append(os.Environ(), "LATHE_HOME="+demoHome, "XDG_CONFIG_HOME="+filepath.Join(h.dir, "config"))}
	t.Cleanup(demo.cleanup)
	tm := newTmux(t, 120, 40, []string{"XDG_DATA_HOME=" + data, "XDG_CONFIG_HOME=" + filepath.Join(h.dir, "config")},
		lathePath+" demo; echo demo-exited-$?; sleep 30")
	tm.waitFor("lathe › Dashboard", "resnet-baseline")
	tm.keys(":")
	tm.waitFor("go to Runs")
	tm.keys("-l", "resnet-baseline")
	tm.waitFor("› resnet-baseline")
	tm.keys("Enter")
	tm.waitFor("Runs › resnet-baseline", "[overview]")
	tm.keys("l")
	tm.waitFor("[charts]", "acc", "loss", "page 1/1 · 3 metrics · 2×2 grid", "step")
	// One chart a page: three pages (loss, acc, lr), n and N between them.
	tm.keys("c", "c", "c", "r", "r", "r")
	tm.waitFor("page 1/3 · 3 metrics · 1×1 grid", "acc")
	tm.keys("n")
	tm.waitFor("page 2/3", "loss")
	tm.keys("N")
	tm.waitFor("page 1/3", "acc")
	tm.keys("PageDown")
	tm.waitFor("page 2/3", "loss")
	// The inspector: l moves it rather than the tab; z twice zooms between
	// two of its places, 0 goes back.
	tm.keys("i")
	tm.waitFor("cursor step", "loss @")
	tm.keys("z")
	tm.waitFor("z again to end")
	tm.keys("l", "l", "l", "l", "l")
	tm.keys("z")
	tm.waitFor("[charts]", "(0 resets)", "zoom ")
	tm.keys("0")
	tm.keys("i")
	tm.waitFor("page 2/3 · 3 metrics · 1×1 grid")
	// The filter takes every key while typed (q does not quit).
	tm.keys("/")
	tm.keys("-l", "accq")
	tm.waitFor(`no metric matches "accq"`)
	tm.keys("BSpace")
	tm.keys("Enter")
	tm.waitFor("page 1/1 · 1 of 3 metrics · filter: acc", "acc")
	// The system tab: utilisation on 0–100%.
	tm.keys("l", "l")
	tm.waitFor("[system]", "GPU 0 utilisation %", "100│", "time")
	tm.keys("q")
	tm.waitFor("demo-exited-0")
}
