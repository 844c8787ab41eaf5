// Package drift computes the statistics lathe scores data drift with, as
// pure functions of the values or category counts: no store, no engine.
//
// Numeric features:
//   - KS, the two-sample Kolmogorov–Smirnov statistic, exact in integers,
//     and KSPValue, scipy's p-value: exact lattice-path counting up to
//     10 000 values a side, above that scipy's "asymp", which is the exact
//     one-sample distribution kstwo at round(n·m/(n+m)) (Simard–L'Ecuyer's
//     choice of Durbin matrix, Pomeranz, Pelz–Good and Smirnov);
//     KSPValueLimit and KSPValueStephens give the textbook limits.
//   - Wasserstein (scipy's wasserstein_distance) and WassersteinNorm,
//     divided by max(std(ref), 0.001) as Evidently does; EnergyDistance.
//   - PSI on the reference's deciles (DecileEdges), with PSIPValue, the
//     χ² approximation that says whether a PSI is noise at these sizes;
//     JS, the Jensen–Shannon distance on the same bins; HellingerBinned.
//   - CramerVonMises and AndersonDarling, as scipy's two-sample tests.
//   - EvidentlyBins and the Shares* functions, to compare with Evidently.
//
// Categorical features, over the union of categories: ChiSquare
// (chi2_contingency, with or without Yates on a 2×2 table), ChiSquareGOF,
// CategoricalPSI, CategoricalJS, TVD, LInfinity, Hellinger; for binary
// features also ProportionZ and FisherExact.
//
// Inputs must be finite: Numeric splits a column into its finite values and
// counts of NaN and ±Inf, which the caller reports rather than drops.
//
// Scoring data: Summarise keeps what a side of a comparison needs of a
// table (package table reads CSV, JSON lines and Parquet): per numeric
// feature its finite values sorted (a quantile sample of them above the
// sample size), their decile edges and counts and spread; per categorical
// feature its counts. A reference is summarised once; Compare scores a
// current summary against it, features in parallel, with Thresholds (PSI
// warn and alert, the share of alerting features at which the data set
// alerts); Merge adds a batch to its window. SortFloats is the radix sort
// that keeps a million-row batch within budget.
//
// Live evaluation: Quality (accuracy, AUC, RMSE, MAE, QualityMetric to
// choose) of predictions against labels, and CompareShadow, a challenger's
// predictions beside the champion's on the same rows: McNemar for hard
// labels, a paired bootstrap of the metric's difference otherwise.
//
// The conventions (decile edges computed as a + float64((b−a)·f) so no
// fused multiply-add changes the last bit, duplicate edges merged, e ≤ x
// binning with open-ended end bins, empty shares set to 1e-4 in PSI only
// and never renormalised, JS without epsilon) are those of
// ../shared/testdata/drift/README.md, and the numbers must match its
// vectors.json, computed by scipy 1.10.1; vectors_test.go checks every one.
package drift
