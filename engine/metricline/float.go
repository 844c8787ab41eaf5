package metricline

import (
	"math"
)

var inf = math.Inf(1)

func nan() float64 { return math.NaN() }
