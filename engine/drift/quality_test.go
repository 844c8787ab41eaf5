package drift

import (
	"errors"
	"math"
	"testing"
)

// Expected values come from Debian's python3-scipy 1.10.1, numpy 1.24.2 and
// scikit-learn 1.2.1 (/usr/bin/python3), the call named beside each.

func TestAccuracy(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name        string
		pred, label []float64
		want        float64
		wantN       int
	}{
		{"all right", []float64{0, 1, 2}, []float64{0, 1, 2}, 1, 3},
		{"two of four", []float64{1, 0, 2, 2}, []float64{1, 1, 2, 0}, 0.5, 4},
		{"NaN rows skipped", []float64{1, nan, 0, 1}, []float64{1, 0, nan, 0}, 0.5, 2},
		{"no usable rows", []float64{nan}, []float64{1}, nan, 0},
		{"empty", nil, nil, nan, 0},
		{"lengths differ", []float64{1, 0}, []float64{1}, nan, 0},
	}
	for _, tt := range tests {
		got, n := Accuracy(tt.pred, tt.label)
		if !within(got, tt.want, 0) || n != tt.wantN {
			t.Errorf("%s: Accuracy = %v, %d; want %v, %d", tt.name, got, n, tt.want, tt.wantN)
		}
	}
}

// aucTiesData is a labelled score column with 55 distinct scores among 500
// rows, so almost every score is tied: scores are floor(10·(z + l/2))/10 for
// z = irwinHall(7, 500, 0, 1), and row i is positive when 7i mod 3 = 0.
func aucTiesData() (score, label []float64) {
	z := irwinHall(7, 500, 0, 1)
	score, label = make([]float64, len(z)), make([]float64, len(z))
	for i := range z {
		if i*7%3 == 0 {
			label[i] = 1
		}
		score[i] = math.Floor(10*(z[i]+0.5*label[i])) / 10
	}
	return score, label
}

func TestAUC(t *testing.T) {
	nan := math.NaN()
	tiesScore, tiesLabel := aucTiesData()
	tests := []struct {
		name         string
		score, label []float64
		want         float64
		wantN        int
	}{
		// sklearn.metrics.roc_auc_score(label, score), and
		// scipy.stats.mannwhitneyu(pos, neg).statistic / (n1·n0) = 32.5/36.
		{"ties", []float64{0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.1, 0.65, 0.35, 0.2, 0.8},
			[]float64{0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1}, 0.9027777777777778, 12},
		// roc_auc_score gives 0.6785617953282623, mannwhitneyu's U/(n1·n0)
		// 0.6785617953282624: one ulp apart, both within tolerance.
		{"500 rows, 55 scores", tiesScore, tiesLabel, 0.6785617953282623, 500},
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []float64{0, 0, 1, 1}, 1, 4},
		{"reversed", []float64{0.9, 0.8, 0.2, 0.1}, []float64{0, 0, 1, 1}, 0, 4},
		{"all tied", []float64{0.5, 0.5, 0.5}, []float64{0, 1, 1}, 0.5, 3},
		{"NaN rows skipped", []float64{0.2, nan, 0.7, 0.4}, []float64{0, 1, 1, nan}, 1, 2},
		{"one class", []float64{0.2, 0.7}, []float64{1, 1}, nan, 2},
		{"empty", nil, nil, nan, 0},
		{"lengths differ", []float64{0.2}, nil, nan, 0},
	}
	for _, tt := range tests {
		got, n := AUC(tt.score, tt.label)
		if !within(got, tt.want, tolStat) || n != tt.wantN {
			t.Errorf("%s: AUC = %.17g, %d; want %.17g, %d", tt.name, got, n, tt.want, tt.wantN)
		}
	}
}

// TestScoreOrderWeights checks the weighted pass a bootstrap resample uses
// against AUC of the resample written out row by row.
func TestScoreOrderWeights(t *testing.T) {
	score, label := aucTiesData()
	positive := make([]bool, len(label))
	for i, l := range label {
		positive[i] = l > 0.5
	}
	order := newScoreOrder(score, positive)
	g := lcg32{x: 99}
	for range 20 {
		weight := make([]int32, len(score))
		var s, l []float64
		for range len(score) {
			i := int(g.uniform() * float64(len(score)))
			weight[i]++
			s, l = append(s, score[i]), append(l, label[i])
		}
		want, _ := AUC(s, l)
		if got := order.auc(weight); got != want {
			t.Fatalf("weighted auc = %.17g, AUC of the written-out resample = %.17g", got, want)
		}
	}
}

func TestRMSEAndMAE(t *testing.T) {
	nan := math.NaN()
	pred := []float64{2.5, 0.0, 2.0, 8.0, nan, 1.5, 4}
	label := []float64{3.0, -0.5, 2.0, 7.0, 1, -1.0, nan}
	// sqrt(sklearn.metrics.mean_squared_error(l, p)) and
	// mean_absolute_error(l, p) on the five rows without NaN.
	if got, n := RMSE(pred, label); !within(got, 1.2449899597988732, tolStat) || n != 5 {
		t.Errorf("RMSE = %.17g, %d; want 1.2449899597988732, 5", got, n)
	}
	if got, n := MAE(pred, label); !within(got, 0.9, tolStat) || n != 5 {
		t.Errorf("MAE = %.17g, %d; want 0.9, 5", got, n)
	}
	if got, n := RMSE([]float64{nan}, []float64{1}); !math.IsNaN(got) || n != 0 {
		t.Errorf("RMSE of no rows = %v, %d; want NaN, 0", got, n)
	}
	if got, n := MAE([]float64{1, 2}, []float64{1}); !math.IsNaN(got) || n != 0 {
		t.Errorf("MAE of different lengths = %v, %d; want NaN, 0", got, n)
	}
}

func TestQualityMetric(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name        string
		pred, label []float64
		want        string
	}{
		{"binary hard labels", []float64{0, 1, 1}, []float64{1, 1, 0}, MetricAccuracy},
		{"multi-class", []float64{0, 2, 7}, []float64{1, 2, 7}, MetricAccuracy},
		{"probabilities", []float64{0.1, 0.9, 1}, []float64{0, 1, 1}, MetricAUC},
		{"NaN row ignored", []float64{0.1, 0.9, 3.5}, []float64{0, 1, nan}, MetricAUC},
		{"probability above 1", []float64{0.1, 1.2}, []float64{0, 1}, MetricRMSE},
		{"labels not 0/1", []float64{0.1, 0.9}, []float64{0, 2}, MetricRMSE},
		{"regression", []float64{1.5, 2.25}, []float64{1.4, 2.0}, MetricRMSE},
		{"whole predictions, fractional labels", []float64{1, 2}, []float64{1.5, 2}, MetricRMSE},
		{"infinite prediction", []float64{math.Inf(1), 0}, []float64{1, 0}, MetricRMSE},
		{"no rows", nil, nil, MetricAccuracy},
	}
	for _, tt := range tests {
		if got := QualityMetric(tt.pred, tt.label); got != tt.want {
			t.Errorf("%s: QualityMetric = %q, want %q", tt.name, got, tt.want)
		}
	}
	// Two columns are judged together: hard and soft predictions of 0/1
	// labels are both scored by AUC.
	if got := qualityMetric([]float64{0, 1}, []float64{0, 1}, []float64{0.2, 0.7}); got != MetricAUC {
		t.Errorf("qualityMetric of hard and soft columns = %q, want auc", got)
	}
}

func TestQuality(t *testing.T) {
	pred, label := []float64{0.2, 0.8, 0.6, 0.4}, []float64{0, 1, 1, 0}
	for _, metric := range []string{MetricAccuracy, MetricAUC, MetricRMSE, MetricMAE} {
		got, n, err := Quality(metric, pred, label)
		var want float64
		switch metric {
		case MetricAccuracy:
			want, _ = Accuracy(pred, label)
		case MetricAUC:
			want, _ = AUC(pred, label)
		case MetricRMSE:
			want, _ = RMSE(pred, label)
		case MetricMAE:
			want, _ = MAE(pred, label)
		}
		if err != nil || n != 4 || !within(got, want, 0) {
			t.Errorf("Quality(%q) = %v, %d, %v; want %v, 4, nil", metric, got, n, err, want)
		}
	}
	if _, _, err := Quality("f1", pred, label); !errors.Is(err, ErrUnknownMetric) {
		t.Errorf("Quality(f1) error = %v, want ErrUnknownMetric", err)
	}
	higher := map[string]bool{MetricAccuracy: true, MetricAUC: true, MetricRMSE: false, MetricMAE: false, "f1": false}
	for metric, want := range higher {
		if got := HigherIsBetter(metric); got != want {
			t.Errorf("HigherIsBetter(%q) = %v, want %v", metric, got, want)
		}
	}
}

// BenchmarkAUC1M is the AUC of a million rows: one sort and one pass.
func BenchmarkAUC1M(b *testing.B) {
	const n = 1_000_000
	score := irwinHall(51, n, 0, 1)
	label := make([]float64, n)
	for i, u := range irwinHall(52, n, 0, 1) {
		if u+0.5*score[i] > 0 {
			label[i] = 1
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if auc, _ := AUC(score, label); !(auc > 0.5) {
			b.Fatalf("AUC = %v", auc)
		}
	}
}
