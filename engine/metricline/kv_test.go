package metricline

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestParseKV(t *testing.T) {
	tests := []struct {
		name, line string
		want       Record // zero Record: ok must be false
	}{
		{"example from the docs",
			"epoch 3 | loss=0.512 acc=0.91, lr=1e-3 mode=train step=300",
			Record{HasStep: true, Step: 300, Metrics: ms("loss", 0.512, "acc", 0.91, "lr", 1e-3)}},
		{"lightning progress bar",
			"Epoch 3: 100%|██████████| 938/938 [00:12<00:00, 75.10it/s, v_num=0, train_loss=0.123, val_loss=0.234, val_acc=0.951]",
			Record{Metrics: ms("v_num", 0, "train_loss", 0.123, "val_loss", 0.234, "val_acc", 0.951)}},
		{"tqdm updates separated by CR keep the newest",
			"Epoch 1:  10%|█         | 10/100 [00:01<00:09, loss=0.9, acc=0.1]\rEpoch 1:  20%|██        | 20/100 [00:02<00:08, loss=0.8, acc=0.2]",
			Record{Metrics: ms("loss", 0.8, "acc", 0.2)}},
		{"keras progress line gives nothing",
			"938/938 [==============================] - 2s 2ms/step - loss: 0.3000 - accuracy: 0.9000 - val_loss: 0.2000",
			Record{}},
		{"keras epoch header", "Epoch 1/10", Record{}},
		{"hf trainer dict gives nothing",
			"{'loss': 0.3, 'grad_norm': 1.2, 'learning_rate': 5e-05, 'epoch': 0.5}",
			Record{}},
		{"hf train summary gives nothing",
			"{'train_runtime': 12.5, 'train_samples_per_second': 80.1, 'train_loss': 0.41, 'epoch': 3.0}",
			Record{}},
		{"nan and inf", "loss=nan grad=inf neg=-Inf big=+infinity",
			Record{Metrics: ms("loss", math.NaN(), "grad", math.Inf(1), "neg", math.Inf(-1), "big", math.Inf(1))}},
		{"python f-string debug", "self.loss=0.25 acc=tensor(0.9)", Record{Metrics: ms("self.loss", 0.25)}},
		{"torch tensor repr", "loss=tensor(0.3000, device='cuda:0')", Record{}},
		{"units are not numbers", "time=3.2s speed=12it/s acc=91% mem=3.1GB", Record{}},
		{"semicolons pipes commas", "loss=0.5;acc=0.9|lr=0.1,wd=0", Record{Metrics: ms("loss", 0.5, "acc", 0.9, "lr", 0.1, "wd", 0)}},
		{"name characters", "train/loss=0.3 val.acc=0.9 my-metric=1 _x=2 A9=3",
			Record{Metrics: ms("train/loss", 0.3, "val.acc", 0.9, "my-metric", 1, "_x", 2, "A9", 3)}},
		{"bad names and values", "1x=2 -x=1 --lr=0.01 x=1=2 y==1 =3 z= .a=1 λ=1 a\"=1 q='1'", Record{}},
		{"bracketed pairs", "(acc=0.9) [lr=0.1] {wd=0.2}", Record{Metrics: ms("acc", 0.9, "lr", 0.1, "wd", 0.2)}},
		{"value forms", "a=.5 b=5. c=-1e-3 d=+2 e=1E3", Record{Metrics: ms("a", 0.5, "b", 5.0, "c", -1e-3, "d", 2, "e", 1000)}},
		{"overflow ignored", "a=1e999 b=1", Record{Metrics: ms("b", 1)}},
		{"duplicate keeps last, first place", "a=1 b=2 a=3", Record{Metrics: ms("a", 3, "b", 2)}},
		{"step only is not ok", "step=300", Record{}},
		{"step float form", "step=3e2 loss=1", Record{HasStep: true, Step: 300, Metrics: ms("loss", 1)}},
		{"step non-integer ignored", "step=1.5 loss=1", Record{Metrics: ms("loss", 1)}},
		{"step nan ignored", "step=nan loss=1", Record{Metrics: ms("loss", 1)}},
		{"step last wins", "step=1 step=2 loss=1", Record{HasStep: true, Step: 2, Metrics: ms("loss", 1)}},
		{"step negative", "step=-2 loss=1", Record{HasStep: true, Step: -2, Metrics: ms("loss", 1)}},
		{"step huge integer", "step=9223372036854775807 loss=1", Record{HasStep: true, Step: math.MaxInt64, Metrics: ms("loss", 1)}},
		{"step out of range ignored", "step=1e19 loss=1", Record{Metrics: ms("loss", 1)}},
		{"Step is a metric", "Step=3 global_step=4", Record{Metrics: ms("Step", 3, "global_step", 4)}},
		{"ansi colours", "\x1b[32mloss=0.5\x1b[0m \x1b[1;33macc\x1b[0m=1 \x1b]8;;http://x\x07lr=0.1\x1b]8;;\x1b\\",
			Record{Metrics: ms("loss", 0.5, "lr", 0.1)}},
		{"tabs and control bytes", "loss=1\tacc=2\x00lr=3\x7fwd=4", Record{Metrics: ms("loss", 1, "acc", 2, "lr", 3, "wd", 4)}},
		{"name of 250 bytes", strings.Repeat("a", 250) + "=1", Record{Metrics: ms(strings.Repeat("a", 250), 1)}},
		{"name of 251 bytes", strings.Repeat("a", 251) + "=1", Record{}},
		{"empty", "", Record{}},
		{"lone escape", "\x1b", Record{}},
		{"truncated escape", "a=1 \x1b[3", Record{Metrics: ms("a", 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseKV([]byte(tt.line))
			if wantOK := tt.want.Metrics != nil; ok != wantOK {
				t.Errorf("ok = %v, want %v", ok, wantOK)
			}
			if d := diffRecord(got, tt.want); d != "" {
				t.Error(d)
			}
		})
	}
}

func TestParseKVManyDuplicates(t *testing.T) {
	var b strings.Builder
	var want []Metric
	for i := range 100 {
		name := "m" + strconv.Itoa(i)
		b.WriteString(name + "=1 ")
		want = append(want, Metric{name, float64(i)})
	}
	for i := range 100 {
		b.WriteString("m" + strconv.Itoa(i) + "=" + strconv.Itoa(i) + " ")
	}
	got, ok := ParseKV([]byte(b.String()))
	if !ok || !sameMetrics(got.Metrics, want) {
		t.Errorf("got %v", got.Metrics)
	}
}

func TestParseKVAllocs(t *testing.T) {
	line := []byte(benchKVLine)
	allocs := testing.AllocsPerRun(1000, func() { ParseKV(line) })
	if allocs > 3 {
		t.Errorf("ParseKV allocates %v times per line, want ≤ 3", allocs)
	}
}
