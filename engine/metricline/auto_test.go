package metricline

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// autoPositives are lines trainers print, in their exact formats, and what
// --parse auto reads from them.
var autoPositives = []struct {
	name, line string
	want       Record
}{
	{"hf train log", `{'loss': 0.41, 'grad_norm': 1.2, 'learning_rate': 5e-05, 'epoch': 0.5}`,
		Record{Metrics: ms("loss", 0.41, "grad_norm", 1.2, "learning_rate", 5e-05, "epoch", 0.5)}},
	{"hf eval log", `{'eval_loss': 0.3, 'eval_accuracy': 0.9, 'eval_runtime': 1.2345, 'eval_samples_per_second': 810.1, 'eval_steps_per_second': 101.3, 'epoch': 1.0}`,
		Record{Metrics: ms("eval_loss", 0.3, "eval_accuracy", 0.9, "eval_runtime", 1.2345, "eval_samples_per_second", 810.1, "eval_steps_per_second", 101.3, "epoch", 1.0)}},
	{"hf final log", `{'train_runtime': 12.3, 'train_samples_per_second': 40.1, 'train_steps_per_second': 5.0, 'train_loss': 0.3712, 'epoch': 3.0}`,
		Record{Metrics: ms("train_runtime", 12.3, "train_samples_per_second", 40.1, "train_steps_per_second", 5.0, "train_loss", 0.3712, "epoch", 3.0)}},
	{"hf dict with bools, None and strings skipped", `{'loss': 0.5, 'done': True, 'best': None, 'stage': 'train', "note": "a, 'b'", 'x': -3}`,
		Record{Metrics: ms("loss", 0.5, "x", -3)}},
	{"hf dict nan and inf", `{'loss': nan, 'grad_norm': inf, 'low': -inf}`,
		Record{Metrics: []Metric{{"loss", math.NaN()}, {"grad_norm", math.Inf(1)}, {"low", math.Inf(-1)}}}},
	{"hf dict printed after a progress bar redraw", " 50%|█████     | 5/10 [00:01<00:01,  4.1it/s]\r{'loss': 0.2, 'epoch': 1.0}\r\n",
		Record{Metrics: ms("loss", 0.2, "epoch", 1.0)}},
	{"keras epoch header", "Epoch 3/10", Record{HasNextStep: true, NextStep: 2, Total: 10}},
	{"keras 2 line", "1875/1875 [==============================] - 3s 1ms/step - loss: 0.3127 - accuracy: 0.9031 - val_loss: 0.29 - val_accuracy: 0.91",
		Record{Metrics: ms("loss", 0.3127, "accuracy", 0.9031, "val_loss", 0.29, "val_accuracy", 0.91)}},
	{"keras 3 line", "1875/1875 ━━━━━━━━━━━━━━━━━━━━ 3s 1ms/step - accuracy: 0.8772 - loss: 0.4393 - val_accuracy: 0.9544 - val_loss: 0.1571",
		Record{Metrics: ms("accuracy", 0.8772, "loss", 0.4393, "val_accuracy", 0.9544, "val_loss", 0.1571)}},
	{"keras 3 coloured bar", "1875/1875 \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m3s\x1b[0m 1ms/step - accuracy: 0.8772 - loss: 0.4393",
		Record{Metrics: ms("accuracy", 0.8772, "loss", 0.4393)}},
	{"keras verbose 2 without bar", "1875/1875 - 3s - loss: 0.2971 - accuracy: 0.9141 - 3s/epoch - 2ms/step",
		Record{Metrics: ms("loss", 0.2971, "accuracy", 0.9141)}},
	{"keras redrawn line: last state counts",
		"   1/1875 [..............................] - ETA: 5:12 - loss: 2.3026 - accuracy: 0.0938\r  32/1875 [>.............................] - ETA: 3s - loss: 1.2 - accuracy: 0.6\r1875/1875 [==============================] - 3s 1ms/step - loss: 0.3127 - accuracy: 0.9031",
		Record{Metrics: ms("loss", 0.3127, "accuracy", 0.9031)}},
	{"keras mid-epoch state with ETA", "  32/1875 [>.............................] - ETA: 3s - loss: 1.2 - accuracy: 0.6",
		Record{Metrics: ms("loss", 1.2, "accuracy", 0.6)}},
	{"colon pairs", "loss: 0.31 acc: 0.9", Record{Metrics: ms("loss", 0.31, "acc", 0.9)}},
	{"colon pairs with commas", "loss: 0.31, acc: 0.9", Record{Metrics: ms("loss", 0.31, "acc", 0.9)}},
	{"colon pairs with dashes and step", "step: 40 - train/loss: 0.25 - lr: 1e-3", Record{HasStep: true, Step: 40, Metrics: ms("train/loss", 0.25, "lr", 1e-3)}},
	{"colon pairs unspaced, repeated name", "loss:0.5 | loss:0.4", Record{Metrics: ms("loss", 0.4)}},
	{"kv last", "epoch 3 | loss=0.512 acc=0.91", Record{Metrics: ms("loss", 0.512, "acc", 0.91)}},
}

// autoNegatives are lines --parse auto leaves as text.
var autoNegatives = []string{
	"",
	"   ",
	"Note: 3 files",
	"Note: 3",
	"note: 3 files changed",
	"Loss: 0.3",
	"Started at 12:30:01",
	"12:30:01 loss: 0.3",
	"time: 12:30:01",
	"see http://example.com:8080/x",
	"url: https://huggingface.co",
	"Epoch 3/10 done",
	"Epoch 0/10",
	"Epoch 11/10",
	"Epoch 3",
	"{'model': 'bert', 'task': 'glue'}",
	"{'a': [1, 2], 'loss': 0.3}",
	"{'loss': np.float64(0.3)}",
	"{'loss': 0.3",
	"{}",
	"{'loss': 0.3}}",
	"{loss: 0.3}",
	"1875/1875 [==============================] - 3s 1ms/step",
	"1875/1875 [====] - 3s - status: ok",
	"10/20 files copied - size: 3",
	"Training: 100%|██████████| 10/10 [00:01<00:00,  9.8it/s]",
	"loss: 0.3 and acc: 0.9",
	"loss:",
	"ratio: 1/2",
	"-",
	"\r\r",
}

func TestParseAuto(t *testing.T) {
	for _, tt := range autoPositives {
		t.Run(tt.name, func(t *testing.T) {
			rec, ok := ParseAuto([]byte(tt.line))
			if !ok {
				t.Fatalf("not read: %q", tt.line)
			}
			if d := diffRecord(rec, tt.want); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestParseAutoText(t *testing.T) {
	for _, line := range autoNegatives {
		if rec, ok := ParseAuto([]byte(line)); ok || diffRecord(rec, Record{}) != "" {
			t.Errorf("%q read as %+v", line, rec)
		}
	}
}

func TestParseOutputModes(t *testing.T) {
	tests := []struct {
		line string
		mode Mode
		ok   bool
		err  string
		want Record
	}{
		{`{'loss': 0.4}`, ModeJSON, false, "", Record{}},
		{`{'loss': 0.4}`, ModeKV, false, "", Record{}},
		{`{'loss': 0.4}`, ModeAuto, true, "", Record{Metrics: ms("loss", 0.4)}},
		{"loss: 0.4", ModeKV, false, "", Record{}},
		{"loss: 0.4", ModeAuto, true, "", Record{Metrics: ms("loss", 0.4)}},
		{"loss=0.4", ModeJSON, false, "", Record{}},
		{"loss=0.4", ModeKV, true, "", Record{Metrics: ms("loss", 0.4)}},
		{"loss=0.4", ModeAuto, true, "", Record{Metrics: ms("loss", 0.4)}},
		{`{"metrics": {"loss": 0.4}, "step": 2}`, ModeAuto, true, "", Record{HasStep: true, Step: 2, Metrics: ms("loss", 0.4)}},
		{`{"metrics": {"loss": "x"}}`, ModeAuto, false, `metric "loss": value "x" is not a number`, Record{}},
		{"Epoch 1/4", ModeAuto, true, "", Record{HasNextStep: true, Total: 4}},
		{"Epoch 1/4", ModeKV, false, "", Record{}},
	}
	for _, tt := range tests {
		rec, ok, err := ParseOutput([]byte(tt.line), tt.mode)
		if ok != tt.ok || (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("%q %q: ok %v err %v", tt.line, tt.mode, ok, err)
		}
		if d := diffRecord(rec, tt.want); d != "" {
			t.Errorf("%q %q: %s", tt.line, tt.mode, d)
		}
	}
}

func TestParseMode(t *testing.T) {
	for _, s := range []string{"", "kv", "auto"} {
		if m, err := ParseMode(s); err != nil || string(m) != s {
			t.Errorf("%q: %q %v", s, m, err)
		}
	}
	_, err := ParseMode("json")
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "kv, auto") || !strings.Contains(err.Error(), `"json"`) {
		t.Errorf("error %v", err)
	}
}

func FuzzParseAuto(f *testing.F) {
	for _, tt := range autoPositives {
		f.Add([]byte(tt.line))
	}
	for _, s := range autoNegatives {
		f.Add([]byte(s))
	}
	for _, s := range kvSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		rec, ok := ParseAuto(line)
		if !ok {
			if d := diffRecord(rec, Record{}); d != "" {
				t.Fatalf("not ok but %s", d)
			}
			return
		}
		if len(rec.Metrics) == 0 && !rec.HasNextStep {
			t.Fatalf("ok without metrics: %+v", rec)
		}
		if p := recordNameProblems(rec); p != "" {
			t.Fatal(p)
		}
		seen := map[string]bool{}
		for _, m := range rec.Metrics {
			if seen[m.Name] {
				t.Fatalf("name %q twice", m.Name)
			}
			seen[m.Name] = true
		}
		if rec.HasNextStep && (rec.NextStep < 0 || rec.Total <= rec.NextStep) {
			t.Fatalf("epoch %d of %d", rec.NextStep, rec.Total)
		}
		// The mode reads what ParseAuto reads, unless the line is JSON.
		_, ook, oerr := ParseOutput(line, ModeAuto)
		if !ook && oerr == nil {
			t.Fatalf("ParseAuto reads %+v, auto mode nothing", rec)
		}
	})
}

// A line of many distinct pairs, as a hostile job could print, is read in
// linear time, and a name repeated far apart keeps its last value.
func TestParseAutoManyPairs(t *testing.T) {
	var b strings.Builder
	b.WriteString("a: 1")
	for i := range 100_000 {
		fmt.Fprintf(&b, " m%d: %d", i, i)
	}
	b.WriteString(" a: 2")
	start := time.Now()
	rec, ok := ParseAuto([]byte(b.String()))
	if !ok || len(rec.Metrics) != 100_001 || rec.Metrics[0] != (Metric{"a", 2}) || rec.Metrics[100_000] != (Metric{"m99999", 99999}) {
		t.Fatalf("ok %v, %d metrics", ok, len(rec.Metrics))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
