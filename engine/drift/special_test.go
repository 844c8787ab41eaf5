package drift

import (
	"math"
	"testing"
)

// The expected values below come from Debian's python3-scipy 1.10.1, the
// same oracle as the shared vectors, and reach every branch of kstwoSF.

func TestKstwoSF(t *testing.T) {
	tests := []struct {
		n    int
		x    float64
		want float64
	}{
		{5, 0.05, 1.0},                        // n·x ≤ 0.5
		{5, 0.15, 0.9988},                     // Ruben–Gambino, n·x ≤ 1
		{5, 0.95, 6.250000000000028e-07},      // Ruben–Gambino, n·x ≥ n−1
		{10, 0.3, 0.27053557479999946},        // Pomeranz
		{10, 0.6, 0.0005681672000000003},      // x ≥ 0.5: 2·Smirnov
		{50, 0.1, 0.6623112704658186},         // Durbin matrix
		{50, 0.05, 0.9990238098461883},        // Durbin matrix
		{100, 0.25, 5.408871776434847e-06},    // n·x² > 4: 2·Smirnov
		{140, 0.3, 1.1370251710737309e-11},    // 2·Smirnov, deep tail
		{200, 0.02, 0.9999948480179858},       // n > 140, Durbin matrix
		{200, 0.1, 0.03411035080315383},       // n > 140, 2·Smirnov
		{1000, 0.03, 0.3226902143914636},      // Durbin matrix
		{1000, 0.06, 0.001428597887952891},    // 2·Smirnov
		{5000, 0.01, 0.6954557253913853},      // Durbin matrix
		{5000, 0.03, 0.00024159234422666817},  // 2·Smirnov
		{200000, 0.002, 0.39995085369038097},  // Pelz–Good
		{200000, 0.004, 0.003314212822560255}, // 2·Smirnov
		{500000, 0.001, 0.6989801443663661},   // Pelz–Good
		{150, 0.009, 1.0},                     // n·x ≤ 0.5
	}
	for _, tt := range tests {
		if got := kstwoSF(tt.n, tt.x); !within(got, tt.want, tolP) {
			t.Errorf("kstwoSF(%d, %g) = %.17g, want %.17g", tt.n, tt.x, got, tt.want)
		}
	}
}

func TestKolmogorovLimit(t *testing.T) {
	tests := []struct{ z, want float64 }{
		{0.05, 1.0},
		{0.3, 0.9999906941986655},
		{0.7, 0.7112351950296893},
		{1.0, 0.26999967167735456},
		{1.5, 0.022217962616525127},
		{3.0, 3.045995948942526e-08},
	}
	for _, tt := range tests {
		if got := KolmogorovLimit(tt.z); !within(got, tt.want, tolP) {
			t.Errorf("KolmogorovLimit(%g) = %.17g, want %.17g", tt.z, got, tt.want)
		}
	}
}

func TestChi2SF(t *testing.T) {
	tests := []struct {
		x    float64
		dof  int
		want float64
	}{
		{0.5, 1, 0.47950012218695337},
		{3.0, 2, 0.22313016014842982},
		{10.0, 5, 0.07523524614651217},
		{100.0, 90, 0.22104023262544467},
		{0.001, 3, 0.9999915920809419},
		{50.0, 10, 2.669083424904495e-07},
	}
	for _, tt := range tests {
		if got := chi2SF(tt.x, tt.dof); !within(got, tt.want, tolP) {
			t.Errorf("chi2SF(%g, %d) = %.17g, want %.17g", tt.x, tt.dof, got, tt.want)
		}
	}
}

// TestKSPValueSizes covers the exact method at sizes the vectors do not
// reach (up to the 10 000 limit) and scipy's "asymp" above it.
func TestKSPValueSizes(t *testing.T) {
	tests := []struct {
		n, m int
		d    float64
		want float64
	}{
		{3, 4, 3.0 / 4, 0.22857142857142862},
		{7, 7, 3.0 / 7, 0.5751748251748252},
		{30, 45, 1.0 / 3, 0.030566856379850134},
		{1000, 1000, 3.0 / 100, 0.7593695685682871},
		{2000, 3000, 1.0 / 25, 0.04217698725941284},
		{10000, 9000, 1.0 / 50, 0.04450301490911741},
		{1, 1, 1.0 / 1, 1.0},
		{10000, 10000, 1.0 / 100, 0.6994009459719119},
		{20000, 30000, 0.01, 0.18009691678286865},
		{10001, 50, 0.2, 0.03143877776953241},
		{1000000, 1000000, 0.0015, 0.21034190155828947},
	}
	for _, tt := range tests {
		if got := KSPValue(tt.d, tt.n, tt.m); !within(got, tt.want, tolP) {
			t.Errorf("KSPValue(%g, %d, %d) = %.17g, want %.17g", tt.d, tt.n, tt.m, got, tt.want)
		}
	}
	if p := KSPValue(math.NaN(), 3, 4); !math.IsNaN(p) {
		t.Errorf("KSPValue(NaN) = %g, want NaN", p)
	}
}
