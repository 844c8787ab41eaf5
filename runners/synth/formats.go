package synth

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lathe/engine/tfevents"
)

// The same job written as other tools write their progress, so the demo
// and the tests show lathe reading what it did not write itself.

// kerasEpoch is how many steps make one epoch of Keras's output.
const kerasEpoch = 20

// Keras prints the job as Keras's fit does: an "Epoch e/E" line, then a
// progress bar redrawn with a carriage return each step, its last state
// ending the epoch's line with the metrics.
func (j Job) Keras(w io.Writer) error {
	epochs := (j.Steps + kerasEpoch - 1) / kerasEpoch
	var line strings.Builder
	return j.steps(func(step int, values []float64) error {
		line.Reset()
		epoch, batch := (step-1)/kerasEpoch+1, (step-1)%kerasEpoch+1
		if batch == 1 {
			fmt.Fprintf(&line, "Epoch %d/%d\n", epoch, epochs)
		} else {
			line.WriteByte('\r')
		}
		done := batch * 30 / kerasEpoch
		bar := strings.Repeat("=", done)
		if done < 30 {
			bar += ">" + strings.Repeat(".", 29-done)
		}
		fmt.Fprintf(&line, "%2d/%d [%s]", batch, kerasEpoch, bar)
		for i, m := range j.Metrics {
			fmt.Fprintf(&line, " - %s: %.4f", m, values[i])
		}
		if batch == kerasEpoch || step == j.Steps {
			line.WriteByte('\n')
		}
		_, err := io.WriteString(w, line.String())
		return err
	})
}

// TFEvents writes the job as TensorBoard's writers do: one event file in
// dir, a scalar record a metric a step, each step written as it comes.
func (j Job) TFEvents(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	host, _ := os.Hostname()
	now := time.Now()
	name := fmt.Sprintf("events.out.tfevents.%d.%s", now.Unix(), cmp.Or(host, "localhost"))
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(tfevents.VersionRecord(wallTime(now))); err != nil {
		return err
	}
	var b []byte
	err = j.steps(func(step int, values []float64) error {
		b = b[:0]
		t := wallTime(time.Now())
		for i, m := range j.Metrics {
			b = append(b, tfevents.ScalarRecord(m, int64(step), t, float32(values[i]))...)
		}
		_, err := f.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	return f.Close()
}

func wallTime(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

// MLflow logs the job through MLflow's REST API, as mlflow.log_metrics
// does: a runs/log-batch request a step to the tracking server at uri, for
// the run runID.
func (j Job) MLflow(ctx context.Context, uri, token, runID string) error {
	if uri == "" || runID == "" {
		return fmt.Errorf("no MLflow run to log to: MLFLOW_TRACKING_URI and MLFLOW_RUN_ID are not set")
	}
	type metric struct {
		Key       string `json:"key"`
		Value     any    `json:"value"`
		Timestamp int64  `json:"timestamp"`
		Step      int    `json:"step"`
	}
	url := strings.TrimRight(uri, "/") + "/api/2.0/mlflow/runs/log-batch"
	return j.steps(func(step int, values []float64) error {
		batch := struct {
			RunID   string   `json:"run_id"`
			Metrics []metric `json:"metrics"`
		}{RunID: runID}
		ms := time.Now().UnixMilli()
		for i, m := range j.Metrics {
			var v any = values[i]
			switch {
			case math.IsNaN(values[i]): // MLflow's clients send these as strings
				v = "NaN"
			case math.IsInf(values[i], 1):
				v = "Infinity"
			case math.IsInf(values[i], -1):
				v = "-Infinity"
			}
			batch.Metrics = append(batch.Metrics, metric{m, v, ms, step})
		}
		body, err := json.Marshal(batch)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("MLflow log-batch: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
			return fmt.Errorf("MLflow log-batch: %s: %s", resp.Status, bytes.TrimSpace(msg))
		}
		return nil
	})
}
