package registry

import "slices"

// preferred are the metrics a model is judged by when they exist, best
// first: held-out measures before training ones.
var preferred = []string{
	"val_acc", "val_accuracy", "valid_acc", "test_acc", "test_accuracy", "val_f1", "val_auc",
	"accuracy", "acc", "f1", "auc",
	"val_loss", "valid_loss", "test_loss", "loss",
}

// PrimaryMetric picks the metric a new model is judged by from the metrics
// of its first version, and its direction: a preferred name when there is
// one, else the first (by name) whose direction direction tells. "" when
// none has a direction.
func PrimaryMetric(metrics []string, direction func(string) string) (name, dir string) {
	for _, p := range preferred {
		if slices.Contains(metrics, p) {
			if d := direction(p); d != "" {
				return p, d
			}
		}
	}
	sorted := slices.Sorted(slices.Values(metrics))
	for _, m := range sorted {
		if d := direction(m); d != "" {
			return m, d
		}
	}
	return "", ""
}
