package engine

import (
	"testing"

	"lathe/engine/api"
	"lathe/engine/metricline"
)

// A job that prints what Keras and the Hugging Face Trainer print, with
// --parse auto: its epochs become steps and the run's total, its dicts and
// name: value pairs metrics, and its prose stays text.
func TestParseAuto(t *testing.T) {
	impls(t, nil, func(t *testing.T, svc api.Service, e *Engine) {
		// The redrawn progress line is printed with "\r" as Keras does; the
		// rest verbatim (a here-document keeps the dict's quotes).
		script := `cat <<'EOF'
Note: 3 files
Epoch 1/2
EOF
printf ' 1/4 [=>....] - ETA: 1s - loss: 0.9\r4/4 [=====] - 0s 2ms/step - loss: 0.5 - accuracy: 0.7\n'
cat <<'EOF'
Epoch 2/2
4/4 [=====] - 0s 2ms/step - loss: 0.25 - accuracy: 0.8
{'eval_loss': 0.3, 'eval_accuracy': 0.9, 'done': True, 'epoch': 2.0}
lr: 0.001, wd: 0.1
started 12:30:01
EOF`
		r := submit(t, svc, api.SubmitRequest{Parse: "auto", Command: sh(script)})
		r = wait(t, svc, r.ID)
		loss, err := svc.Metric(ctxT(t), r.ID, "loss")
		if err != nil {
			t.Fatal(err)
		}
		if len(loss) != 2 || loss[0].Step != 0 || float64(loss[0].Value) != 0.5 || loss[1].Step != 1 || float64(loss[1].Value) != 0.25 {
			t.Fatalf("keras loss %+v", loss)
		}
		eval, err := svc.Metric(ctxT(t), r.ID, "eval_loss")
		if err != nil {
			t.Fatal(err)
		}
		if len(eval) != 1 || eval[0].Step != 2 || float64(eval[0].Value) != 0.3 {
			t.Fatalf("dict eval_loss %+v", eval)
		}
		for _, name := range []string{"accuracy", "eval_accuracy", "epoch", "lr", "wd"} {
			if _, ok := r.Metrics[name]; !ok {
				t.Errorf("no metric %s in %v", name, r.Metrics)
			}
		}
		if len(r.Metrics) != 7 || r.Total != 2 {
			t.Errorf("total %d, metrics %v", r.Total, r.Metrics)
		}
	})
}

// Hiding metric lines in the log view hides what the auto parser reads.
func TestHideAutoMetricLines(t *testing.T) {
	path := writeLog(t, "Epoch 1/2\n{'loss': 0.4, 'epoch': 0.5}\nNote: 3 files\nloss: 0.3 acc: 0.9\n")
	got := mustLines(t, path, api.LogLinesRequest{From: 0, Count: 10, HideMetrics: true}, metricline.ModeAuto)
	if txt := texts(got.Lines); len(txt) != 1 || txt[0] != "Note: 3 files" {
		t.Errorf("auto metrics hidden: %q", txt)
	}
	got = mustLines(t, path, api.LogLinesRequest{From: 0, Count: 10, HideMetrics: true}, metricline.ModeKV)
	if len(got.Lines) != 4 {
		t.Errorf("kv hides %q", texts(got.Lines))
	}
}
