package metricline

import (
	"encoding/json"
	"testing"
)

// benchLine is what runners/python/lathe.py writes for log() with ten
// metrics.
const benchLine = `{"step": 12345, "time": 1732280000.1234567, "metrics": {"loss": 0.31234567890123, "acc": 0.9123, ` +
	`"val_loss": 0.4123456789, "val_acc": 0.8875, "lr": 0.0003, "grad_norm": 1.2345678, "epoch": 3.25, ` +
	`"throughput": 1523.5, "train/perplexity": 12.345678901234567, "mem_gb": 10.5}}`

const benchKVLine = "Epoch 3: 100%|██████████| 938/938 [00:12<00:00, 75.10it/s, v_num=0, train_loss=0.123, val_loss=0.234, val_acc=0.951, step=2814]"

func BenchmarkParseLine(b *testing.B) {
	line := []byte(benchLine)
	rec, err := ParseLine(line)
	if err != nil {
		b.Fatal(err)
	}
	points := len(rec.Metrics)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := ParseLine(line); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*points)/b.Elapsed().Seconds(), "points/s")
}

func BenchmarkParseKV(b *testing.B) {
	line := []byte(benchKVLine)
	rec, ok := ParseKV(line)
	if !ok {
		b.Fatal("no metrics")
	}
	points := len(rec.Metrics)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		ParseKV(line)
		n++
	}
	b.ReportMetric(float64(n*points)/b.Elapsed().Seconds(), "points/s")
}

// BenchmarkParseKVText is the common case for --parse kv: a line with no
// pairs at all.
func BenchmarkParseKVText(b *testing.B) {
	line := []byte("INFO 2024-11-22 12:00:01 loading checkpoint shards from /data/models/llama (3 of 8), please wait")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		ParseKV(line)
	}
}

// BenchmarkEncodingJSON is the baseline the hand-written scanner replaces:
// encoding/json into a struct, which moreover loses the metric order and
// cannot see duplicate names.
func BenchmarkEncodingJSON(b *testing.B) {
	line := []byte(benchLine)
	type rec struct {
		Step    *int64             `json:"step"`
		Time    *float64           `json:"time"`
		Metrics map[string]float64 `json:"metrics"`
	}
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		var r rec
		if err := json.Unmarshal(line, &r); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*10)/b.Elapsed().Seconds(), "points/s")
}
