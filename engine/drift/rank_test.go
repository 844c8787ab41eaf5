package drift

import "testing"

// TestCramerVonMisesExact covers the exact p-value at the largest sizes it
// is used for; the vectors reach it only at 10 against 12. Expected values
// from scipy 1.10.1's cramervonmises_2samp.
func TestCramerVonMisesExact(t *testing.T) {
	tests := []struct {
		n, m         int
		wantT, wantP float64
	}{
		{20, 20, 0.5750000000000002, 0.026009298679415233},
		{17, 20, 0.5353736089030203, 0.03271013627448313},
	}
	for _, tt := range tests {
		x := irwinHall(41, tt.n, 0, 1)
		y := irwinHall(42, tt.m, 0.3, 1)
		stat, p := CramerVonMises(x, y)
		if !within(stat, tt.wantT, tolStat) || !within(p, tt.wantP, tolP) {
			t.Errorf("CramerVonMises(%d, %d) = %.17g, %.17g; want %.17g, %.17g",
				tt.n, tt.m, stat, p, tt.wantT, tt.wantP)
		}
	}
}
