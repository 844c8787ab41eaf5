package drift

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"lathe/engine/api"
	"lathe/engine/drift/table"
)

// Thresholds decide a feature's status from its PSI, and the data set's
// from the share of its features that alert.
type Thresholds struct {
	Warn, Alert  float64 // PSI
	DatasetShare float64 // the data set alerts when at least this share of features alert
}

// DefaultThresholds are PSI 0.1 to warn and 0.25 to alert, the usual rule
// of thumb, and half the features for the data set.
var DefaultThresholds = Thresholds{Warn: 0.1, Alert: 0.25, DatasetShare: 0.5}

// Status is ok, warn or alert for a PSI value.
func (t Thresholds) Status(psi float64) string {
	switch {
	case psi >= t.Alert:
		return api.DriftAlert
	case psi >= t.Warn:
		return api.DriftWarn
	}
	return api.DriftOK
}

// Score is one feature compared: every statistic that applies, NaN where
// one does not or cannot be computed.
type Score struct {
	Name, Role string
	Kind       table.Kind
	PSI, PSIPValue, KS, KSPValue,
	Wasserstein, WassersteinNorm, JS, Chi2PValue float64
	Status                 string
	NRef, NCur             int
	MissingRef, MissingCur int
	InfRef, InfCur         int
	Bins                   []api.DriftBin
	Note                   string
}

// ScoreFeature compares cur to ref, summaries of the same feature.
// Numeric: PSI and JS on ref's decile bins (its counts are of every value;
// cur's of its sorted values), PSI's p-value, KS with its p-value and
// Wasserstein-1 on the sorted values (a sample of either side when it had
// more; the p-value is then that of the sample's size, the honest one for
// the values compared). Categorical: PSI, JS and χ² over the union of
// categories. The status comes from PSI; a feature with reference values
// but no current ones alerts.
func ScoreFeature(ref, cur *Feature, th Thresholds) Score {
	nan := math.NaN()
	s := Score{Name: ref.Name, Kind: ref.Kind, PSI: nan, PSIPValue: nan, KS: nan, KSPValue: nan,
		Wasserstein: nan, WassersteinNorm: nan, JS: nan, Chi2PValue: nan,
		MissingRef: ref.Missing, MissingCur: cur.Missing,
		InfRef: ref.PosInf + ref.NegInf, InfCur: cur.PosInf + cur.NegInf}
	if ref.Kind == table.Categorical {
		s.NRef, s.NCur = total(ref.Categories), total(cur.Categories)
	} else {
		s.NRef, s.NCur = ref.Finite, cur.Finite
	}
	switch {
	case s.NRef == 0:
		s.Status, s.Note = api.DriftOK, "no reference values: not scored"
		return s
	case s.NCur == 0:
		s.Status, s.Note = api.DriftAlert, "no current values"
		return s
	}
	if ref.Kind == table.Categorical {
		s.PSI = CategoricalPSI(ref.Categories, cur.Categories)
		s.JS = CategoricalJS(ref.Categories, cur.Categories, true)
		_, s.Chi2PValue, _ = ChiSquare(ref.Categories, cur.Categories, true)
		s.Bins = categoryBins(ref.Categories, cur.Categories)
	} else {
		curCounts := sortedBinCounts(cur.Sorted, ref.Edges)
		s.PSI = psiCounts(ref.Counts, curCounts)
		s.PSIPValue = PSIPValue(s.PSI, ref.Finite, len(cur.Sorted), len(ref.Counts))
		s.JS = jsCounts(ref.Counts, curCounts, true)
		s.KS = KSSorted(ref.Sorted, cur.Sorted)
		s.KSPValue = KSPValue(s.KS, len(ref.Sorted), len(cur.Sorted))
		s.Wasserstein = WassersteinSorted(ref.Sorted, cur.Sorted)
		s.WassersteinNorm = s.Wasserstein / max(ref.Std, 0.001)
		s.Bins = decileBins(ref.Edges, ref.Counts, curCounts)
		switch {
		case ref.Sampled() && cur.Sampled():
			s.Note = fmt.Sprintf("KS and W1 on samples of %d and %d values", len(ref.Sorted), len(cur.Sorted))
		case ref.Sampled():
			s.Note = fmt.Sprintf("KS and W1 on a reference sample of %d values", len(ref.Sorted))
		case cur.Sampled():
			s.Note = fmt.Sprintf("PSI, KS and W1 on a sample of %d of %d values", len(cur.Sorted), cur.Finite)
		}
	}
	s.Status = th.Status(s.PSI)
	return s
}

func total(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// decileBins are the bins of edges with each side's share.
func decileBins(edges []float64, refCounts, curCounts []int) []api.DriftBin {
	rs, cs := shares(refCounts, 0), shares(curCounts, 0)
	bins := make([]api.DriftBin, len(refCounts))
	for i := range bins {
		bins[i] = api.DriftBin{Ref: api.Float(rs[i]), Cur: api.Float(cs[i])}
		if i > 0 {
			bins[i].Lo = floatPtr(edges[i-1])
		}
		if i < len(edges) {
			bins[i].Hi = floatPtr(edges[i])
		}
	}
	return bins
}

// maxCategoryBins caps the categories a histogram shows; the rest are
// summed as "(other)".
const maxCategoryBins = 12

// categoryBins are the categories, the reference's most common first, with
// each side's share.
func categoryBins(ref, cur map[string]int) []api.DriftBin {
	rt, ct := float64(total(ref)), float64(total(cur))
	names := categoryUnion(ref, cur)
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(ref[b]+cur[b], ref[a]+cur[a]) })
	var bins []api.DriftBin
	var other api.DriftBin
	for n, name := range names {
		r, c := api.Float(float64(ref[name])/rt), api.Float(float64(cur[name])/ct)
		if len(names) <= maxCategoryBins || n < maxCategoryBins-1 {
			bins = append(bins, api.DriftBin{Category: name, Ref: r, Cur: c})
			continue
		}
		other.Category = "(other)"
		other.Ref += r
		other.Cur += c
	}
	if other.Category != "" {
		bins = append(bins, other)
	}
	return bins
}

func floatPtr(v float64) *api.Float {
	f := api.Float(v)
	return &f
}

// Report is a comparison of current data to a reference: each feature
// scored, and the data set's status.
type Report struct {
	Scores     []Score
	DriftShare float64
	Status     string
	// Ignored are current columns the reference lacks; Absent reference
	// features the current data lacks (they alert).
	Ignored, Absent []string
}

// Compare scores every feature of ref against cur, in parallel. roles
// names the columns that are not features (prediction, label,
// challenger): they are scored when the reference has them but do not
// count in the drift share, nor as ignored when it lacks them.
func Compare(ref, cur *Summary, th Thresholds, roles map[string]string) Report {
	var r Report
	for _, f := range cur.Features {
		if ref.Feature(f.Name) == nil && roles[f.Name] == "" {
			r.Ignored = append(r.Ignored, f.Name)
		}
	}
	r.Scores = make([]Score, len(ref.Features))
	parallel(len(ref.Features), func(i int) {
		rf := &ref.Features[i]
		cf := cur.Feature(rf.Name)
		if cf == nil {
			cf = &Feature{Name: rf.Name, Kind: rf.Kind}
		}
		r.Scores[i] = ScoreFeature(rf, cf, th)
		r.Scores[i].Role = roles[rf.Name]
	})
	for i := range r.Scores {
		if cur.Feature(r.Scores[i].Name) == nil {
			r.Absent = append(r.Absent, r.Scores[i].Name)
			r.Scores[i].Note = "absent from the current data"
		}
	}
	r.DriftShare, r.Status = datasetStatus(r.Scores, th)
	return r
}

// datasetStatus is the share of features (not predictions or labels) that
// alert, and the data set's status: alert when that share reaches the
// threshold, warn when any feature warns or alerts, else ok.
func datasetStatus(scores []Score, th Thresholds) (share float64, status string) {
	var features, alerting, warning int
	for _, s := range scores {
		if s.Role != "" {
			continue
		}
		features++
		switch s.Status {
		case api.DriftAlert:
			alerting++
		case api.DriftWarn:
			warning++
		}
	}
	if features == 0 {
		return 0, api.DriftOK
	}
	share = float64(alerting) / float64(features)
	switch {
	case share >= th.DatasetShare && alerting > 0:
		return share, api.DriftAlert
	case alerting+warning > 0:
		return share, api.DriftWarn
	}
	return share, api.DriftOK
}

// NoteBadCells says on each score how many of the column's values in t
// (side: "reference" or "current") were not numbers, and the first.
func (r Report) NoteBadCells(side string, t *table.Table) {
	for i := range r.Scores {
		c := t.Column(r.Scores[i].Name)
		if c == nil || c.BadCells == 0 || c.FirstBadCell == nil {
			continue
		}
		what := fmt.Sprintf("%d %s values are not numbers", c.BadCells, side)
		if c.BadCells == 1 {
			what = fmt.Sprintf("1 %s value is not a number", side)
		}
		note := fmt.Sprintf("%s, counted missing (line %d: %s)", what, c.FirstBadCell.Line, c.FirstBadCell.Reason)
		if r.Scores[i].Note != "" {
			note = r.Scores[i].Note + "; " + note
		}
		r.Scores[i].Note = note
	}
}

// Alerting names the features (not predictions or labels) that alert.
func (r Report) Alerting() []string {
	var names []string
	for _, s := range r.Scores {
		if s.Role == "" && s.Status == api.DriftAlert {
			names = append(names, s.Name)
		}
	}
	return names
}

// API is the report as the socket and `--json` carry it.
func (r Report) API() api.DriftReport {
	out := api.DriftReport{Columns: make(map[string]api.DriftColumn, len(r.Scores)),
		DriftShare: api.Float(r.DriftShare), DatasetStatus: r.Status, Ignored: r.Ignored, Absent: r.Absent}
	for _, s := range r.Scores {
		out.Columns[s.Name] = s.API()
	}
	return out
}

// API is the score as the socket and `--json` carry it, the statistics
// that do not apply left out.
func (s Score) API() api.DriftColumn {
	return api.DriftColumn{
		Type: s.Kind.String(), Role: s.Role,
		PSI: opt(s.PSI), PSIPValue: opt(s.PSIPValue), KSStatistic: opt(s.KS), KSPValue: opt(s.KSPValue),
		Wasserstein: opt(s.Wasserstein), WassersteinNorm: opt(s.WassersteinNorm), JS: opt(s.JS),
		Chi2PValue: opt(s.Chi2PValue), Status: s.Status,
		NRef: s.NRef, NCur: s.NCur, MissingRef: s.MissingRef, MissingCur: s.MissingCur,
		InfRef: s.InfRef, InfCur: s.InfCur, Bins: s.Bins, Note: s.Note,
	}
}

// opt is v, or nil when it is not a number.
func opt(v float64) *api.Float {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return floatPtr(v)
}
