package chart

import "math"

// splitSegments splits points at every value that is not finite into runs
// of finite points: each is drawn as its own line, so gaps break the line.
func splitSegments(pts []Point) [][]Point {
	var segs [][]Point
	start := -1
	for i, p := range pts {
		switch {
		case p.Y-p.Y == 0:
			if start < 0 {
				start = i
			}
		case start >= 0:
			segs = append(segs, pts[start:i:i])
			start = -1
		}
	}
	if start >= 0 {
		segs = append(segs, pts[start:len(pts):len(pts)])
	}
	return segs
}

// downsample reduces pts to at most two points per column, so a chart is
// never given more than it can draw. The X range of the points is split
// into columns equal parts; of each column's finite values it keeps the
// least and the greatest (so spikes survive), in X order. A column with no
// finite value (only NaN or ±Inf) gives one gap marker, a point whose Y is
// NaN, so the line breaks there; a column with both keeps the marker and
// whichever of its least and greatest is farther from the line so far (the
// greatest when there is none). Points whose X is not finite are left out.
// The result is in X order (points of equal X in their order in pts). With
// columns ≥ len(pts), pts is returned as it is.
func downsample(pts []Point, columns int) []Point {
	if columns <= 0 {
		return nil
	}
	if columns >= len(pts) {
		return pts
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		if x := p.X; x-x == 0 {
			if x < lo {
				lo = x
			}
			if x > hi {
				hi = x
			}
		}
	}
	if lo > hi {
		return nil
	}
	cols := make([]dsColumn, columns)
	if !dsBucketize(pts, cols, lo, hi, false, true) {
		dsBucketize(pts, cols, lo, hi, false, false)
	}
	return dsEmit(pts, cols)
}

// dsColumn is what downsampling keeps of a column.
type dsColumn struct {
	has        bool    // a drawable value
	min, max   float64 // the least and greatest drawable values
	iMin, iMax int     // their indices (first ones)
	gap        int     // index of the first gap (a value not drawable), -1 when none
}

// dsBucketize gathers into cols the points of pts, over the X range [lo, hi]
// split in len(cols) equal columns, in one pass: point (x, y) goes to column
// int((x-lo)*len(cols)/(hi-lo)), the last column taking x = hi too. Values
// that are not finite are gaps, and so are values that are not positive
// with positive. Points whose X is not finite are skipped.
//
// With inOrder, pts must be in X order from lo to hi, and dsBucketize checks
// it as it goes: it stops and reports false at the first point that is not.
// Points in X order come in runs of the same column: a run is gathered in
// locals (the loop stays in registers), and the next column's first X is
// known, so the column is computed once per column rather than per point.
func dsBucketize(pts []Point, cols []dsColumn, lo, hi float64, positive, inOrder bool) bool {
	if lo-lo != 0 || hi-hi != 0 || hi < lo || len(cols) == 0 {
		return false
	}
	for i := range cols {
		cols[i] = dsColumn{gap: -1}
	}
	last := len(cols) - 1
	scale := 0.0
	if hi > lo {
		scale = float64(len(cols)) / (hi - lo)
	}
	column := func(x float64) int { return min(int((x-lo)*scale), last) }

	if !inOrder {
		for i, p := range pts {
			if p.X-p.X != 0 {
				continue
			}
			y := p.Y
			gap := y-y != 0 || positive && y <= 0
			cols[column(p.X)].add(y, i, gap)
		}
		return true
	}

	// start returns the least X of column j+1 (+Inf past the last column):
	// the boundary estimate, corrected to the exact one of column().
	// (Should the correction not converge, a column's points would come in
	// more than one run, which merge handles.)
	start := func(j int) float64 {
		if j >= last || scale == 0 {
			return math.Inf(1)
		}
		b := lo + float64(j+1)/scale
		for k := 0; k < 64 && b > lo && column(b) > j; k++ {
			b = math.Nextafter(b, math.Inf(-1))
		}
		for k := 0; k < 64 && column(b) <= j; k++ {
			b = math.Nextafter(b, math.Inf(1))
		}
		return b
	}
	floor, inf := math.Inf(-1), math.Inf(1)
	if positive {
		floor = 0
	}
	prev := lo
	for i := 0; i < len(pts); {
		x := pts[i].X
		if !(x >= prev) || x > hi { // out of order, NaN, or past the end
			return false
		}
		// The run of points of x's column: up to the next column's first X.
		j := column(x)
		next := start(j)
		prev = x
		k := i + 1
		for ; k < len(pts); k++ {
			x := pts[k].X
			if !(x >= prev) {
				return false
			}
			if x >= next {
				break
			}
			prev = x
		}
		var (
			has        bool
			mn, mx     float64
			iMin, iMax int
			gap        = -1
		)
		for m := i; m < k; m++ {
			y := pts[m].Y
			switch {
			case !(y > floor && y < inf): // NaN, ±Inf, or not positive with positive
				if gap < 0 {
					gap = m
				}
			case !has:
				has, mn, mx, iMin, iMax = true, y, y, m, m
			case y < mn:
				mn, iMin = y, m
			case y > mx:
				mx, iMax = y, m
			}
		}
		cols[j].merge(has, mn, mx, iMin, iMax, gap)
		i = k
	}
	return prev == hi
}

// add adds the value y of point i to the column; gap says it is not
// drawable. The first of equal values is kept.
func (b *dsColumn) add(y float64, i int, gap bool) {
	switch {
	case gap:
		if b.gap < 0 {
			b.gap = i
		}
	case !b.has:
		b.has, b.min, b.max, b.iMin, b.iMax = true, y, y, i, i
	case y < b.min:
		b.min, b.iMin = y, i
	case y > b.max:
		b.max, b.iMax = y, i
	}
}

// merge adds a run of points gathered apart, that comes after the points
// already in the column.
func (b *dsColumn) merge(has bool, mn, mx float64, iMin, iMax, gap int) {
	if has {
		if !b.has {
			b.has, b.min, b.max, b.iMin, b.iMax = true, mn, mx, iMin, iMax
		} else {
			if mn < b.min {
				b.min, b.iMin = mn, iMin
			}
			if mx > b.max {
				b.max, b.iMax = mx, iMax
			}
		}
	}
	if gap >= 0 && b.gap < 0 {
		b.gap = gap
	}
}

// dsRange is the range of the drawable values of cols.
func dsRange(cols []dsColumn) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, b := range cols {
		if b.has {
			ok = true
			lo, hi = min(lo, b.min), max(hi, b.max)
		}
	}
	return lo, hi, ok
}

// dsEmit gives the points downsampling keeps of each column of pts.
func dsEmit(pts []Point, cols []dsColumn) []Point {
	// before reports whether pts[i] comes before pts[j] in X order.
	before := func(i, j int) bool {
		return pts[i].X < pts[j].X || pts[i].X == pts[j].X && i < j
	}
	out := make([]Point, 0, 2*len(cols))
	line := math.NaN() // the last value kept
	for _, b := range cols {
		switch {
		case !b.has && b.gap < 0: // an empty column
		case !b.has:
			out = append(out, Point{X: pts[b.gap].X, Y: math.NaN()})
		case b.gap >= 0:
			keep := b.iMax
			if math.Abs(b.min-line) > math.Abs(b.max-line) {
				keep = b.iMin
			}
			marker := Point{X: pts[b.gap].X, Y: math.NaN()}
			if before(keep, b.gap) {
				out = append(out, pts[keep], marker)
			} else {
				out = append(out, marker, pts[keep])
			}
			line = pts[keep].Y
		case b.iMin == b.iMax:
			out = append(out, pts[b.iMin])
			line = b.min
		default:
			i, j := b.iMin, b.iMax
			if before(j, i) {
				i, j = j, i
			}
			out = append(out, pts[i], pts[j])
			line = pts[j].Y
		}
	}
	return out
}
