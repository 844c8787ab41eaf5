// Package chart draws line charts for the terminal on ntcharts: one metric
// (SetPoints) or several series sharing the axes (SetSeries), with NaN and
// ±Inf drawn as gaps, EMA smoothing and a log scale (its KeyMap toggles
// them), and X labels written as the page wants (steps, durations).
//
// A chart never hands ntcharts more than it can draw: each series is
// downsampled to the least and greatest value of each plot column (so
// spikes survive) before drawing. View is cheap: the drawing is computed
// again only after a change of data, size or options, and kept.
package chart
