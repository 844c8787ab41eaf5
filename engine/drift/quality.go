package drift

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// This file holds the quality of a deployed model's predictions against the
// labels that come back for some production rows. Every function takes the
// predictions and the labels as parallel slices and skips the rows where
// either is NaN; slices of different lengths give NaN and no rows.

// The quality metrics Quality knows.
const (
	MetricAccuracy = "accuracy"
	MetricAUC      = "auc"
	MetricRMSE     = "rmse"
	MetricMAE      = "mae"
)

// ErrUnknownMetric is returned for a metric name Quality does not know.
var ErrUnknownMetric = errors.New("unknown quality metric")

// Accuracy is the share of rows whose prediction equals the label, both
// read as float64 class ids, and the number of rows used. No usable rows
// give NaN.
func Accuracy(pred, label []float64) (acc float64, n int) {
	if len(pred) != len(label) {
		return math.NaN(), 0
	}
	right := 0
	for i, p := range pred {
		if l := label[i]; !math.IsNaN(p) && !math.IsNaN(l) {
			n++
			if p == l {
				right++
			}
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return float64(right) / float64(n), n
}

// AUC is the area under the ROC curve of score against binary labels (a
// label above 0.5 is positive), in the Mann–Whitney form: the share of
// (positive, negative) pairs the score orders correctly, a tie counting one
// half, which is U/(n₁·n₀) with mid-ranks for tied scores. It sorts once, so
// it costs O(n log n). NaN when either class is absent; n is the rows used.
func AUC(score, label []float64) (auc float64, n int) {
	if len(score) != len(label) {
		return math.NaN(), 0
	}
	s := make([]float64, 0, len(score))
	positive := make([]bool, 0, len(score))
	for i, x := range score {
		if l := label[i]; !math.IsNaN(x) && !math.IsNaN(l) {
			s = append(s, x)
			positive = append(positive, l > 0.5)
		}
	}
	once := make([]int32, len(s))
	for i := range once {
		once[i] = 1
	}
	return newScoreOrder(s, positive).auc(once), len(s)
}

// scoreOrder is a set of labelled rows sorted once by score, kept so that
// the AUC of any multiset of those rows (a bootstrap resample) costs one
// pass. The label is a mask, so the pass does not branch on it.
type scoreOrder struct {
	rows     []int32 // row indices by ascending score
	positive []int64 // by place: all bits set for a positive row, 0 for a negative
	runEnd   []bool  // by place: the last row of a run of tied scores
}

func newScoreOrder(score []float64, positive []bool) scoreOrder {
	type scored struct {
		score float64
		row   int32
	}
	sorted := make([]scored, len(score))
	for i, s := range score {
		sorted[i] = scored{s, int32(i)}
	}
	slices.SortFunc(sorted, func(a, b scored) int {
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		}
		return 0
	})
	o := scoreOrder{
		rows:     make([]int32, len(sorted)),
		positive: make([]int64, len(sorted)),
		runEnd:   make([]bool, len(sorted)),
	}
	for i, s := range sorted {
		o.rows[i] = s.row
		if positive[s.row] {
			o.positive[i] = -1
		}
		o.runEnd[i] = i+1 == len(sorted) || sorted[i+1].score != s.score
	}
	return o
}

// auc is the AUC of the rows with row i counted weight[i] times. Walking
// the runs of tied scores upwards, each positive beats the negatives below
// its run and ties the negatives in it; the count is kept doubled in
// integers, so it is exact.
func (o scoreOrder) auc(weight []int32) float64 {
	var twiceU, below, pos, p, q int64
	for i, r := range o.rows {
		w := int64(weight[r])
		p += w & o.positive[i]
		q += w &^ o.positive[i]
		if o.runEnd[i] {
			twiceU += p * (2*below + q)
			below += q
			pos += p
			p, q = 0, 0
		}
	}
	neg := below
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return float64(twiceU) / (2 * float64(pos) * float64(neg))
}

// RMSE is the root mean squared error of pred against label, and the rows
// used.
func RMSE(pred, label []float64) (rmse float64, n int) {
	mse, n := meanLoss(pred, label, squaredError)
	return math.Sqrt(mse), n
}

// MAE is the mean absolute error of pred against label, and the rows used.
func MAE(pred, label []float64) (mae float64, n int) {
	return meanLoss(pred, label, absoluteError)
}

func squaredError(p, l float64) float64  { d := p - l; return d * d }
func absoluteError(p, l float64) float64 { return math.Abs(p - l) }

// meanLoss is the mean of loss over the usable rows; NaN for none.
func meanLoss(pred, label []float64, loss func(p, l float64) float64) (float64, int) {
	if len(pred) != len(label) {
		return math.NaN(), 0
	}
	sum, n := 0.0, 0
	for i, p := range pred {
		if l := label[i]; !math.IsNaN(p) && !math.IsNaN(l) {
			sum += loss(p, l)
			n++
		}
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}

// QualityMetric picks the metric for a task from the usable rows:
//
//   - "accuracy" when every label and every prediction is a whole number
//     (classification with hard labels, binary or multi-class);
//   - "auc" when every label is 0 or 1 and every prediction lies in [0, 1],
//     not all of them whole (probabilities of the positive class);
//   - "rmse" otherwise (regression).
//
// A regression whose targets and predictions are all whole numbers (counts
// rounded by the model) reads as classification; callers who know the task
// pass the metric to Quality themselves. With no usable rows (or slices of
// different lengths) the first rule holds vacuously: "accuracy".
func QualityMetric(pred, label []float64) string {
	return qualityMetric(label, pred)
}

// qualityMetric applies QualityMetric's rule to several prediction columns
// of the same labels at once (a champion and a challenger), so both are
// scored by one metric. A row is usable when no column has NaN in it.
func qualityMetric(label []float64, preds ...[]float64) string {
	if slices.ContainsFunc(preds, func(p []float64) bool { return len(p) != len(label) }) {
		label = nil // no usable rows
	}
	wholeLabels, binaryLabels := true, true
	wholePreds, unitPreds := true, true
rows:
	for i, l := range label {
		if math.IsNaN(l) {
			continue
		}
		for _, p := range preds {
			if math.IsNaN(p[i]) {
				continue rows
			}
		}
		wholeLabels = wholeLabels && isWhole(l)
		binaryLabels = binaryLabels && (l == 0 || l == 1)
		for _, p := range preds {
			wholePreds = wholePreds && isWhole(p[i])
			unitPreds = unitPreds && p[i] >= 0 && p[i] <= 1
		}
	}
	switch {
	case wholeLabels && wholePreds:
		return MetricAccuracy
	case binaryLabels && unitPreds:
		return MetricAUC
	}
	return MetricRMSE
}

func isWhole(x float64) bool { return x == math.Trunc(x) && !math.IsInf(x, 0) }

// Quality is the named metric ("accuracy", "auc", "rmse" or "mae") of pred
// against label, and the rows used. An unknown name gives ErrUnknownMetric.
func Quality(metric string, pred, label []float64) (value float64, n int, err error) {
	switch metric {
	case MetricAccuracy:
		value, n = Accuracy(pred, label)
	case MetricAUC:
		value, n = AUC(pred, label)
	case MetricRMSE:
		value, n = RMSE(pred, label)
	case MetricMAE:
		value, n = MAE(pred, label)
	default:
		return math.NaN(), 0, unknownMetric(metric)
	}
	return value, n, nil
}

func unknownMetric(metric string) error {
	return fmt.Errorf("%w %q: use accuracy, auc, rmse or mae", ErrUnknownMetric, metric)
}

// HigherIsBetter says whether a larger value of the metric is better:
// true for accuracy and auc, false for rmse, mae and unknown names.
func HigherIsBetter(metric string) bool {
	return metric == MetricAccuracy || metric == MetricAUC
}
