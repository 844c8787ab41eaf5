// Package chart draws line charts for the terminal on ntcharts: one metric
// (SetPoints) or several series sharing the axes (SetSeries), with NaN and
// ±Inf drawn as gaps, EMA smoothing of a weight [ and ] step, a log scale
// or a heat strip (L cycles them), axes labelled on round values (1, 2,
// 5 × 10ⁿ; round durations on a time axis) with the X axis named, a fixed
// Y range where one tells the truth (utilisation on 0–100%), a zoom on a
// range of X, an inspector's cursor reading the values at an X, and
// vertical marks at given X values (SetMarks: a sweep's rungs).
//
// Several series are told apart by colour (SeriesStyle: the theme's, then
// as many more as needed), or without colour by marks of their own
// (LegendMark says a series' mark for a legend).
//
// Grid lays out a page of charts, one a metric, as W&B's terminal viewer
// does: pages (n/N), columns and rows (c/r), a filter by name (/), an
// inspector across every chart of the page (i, ←/→, a click) and a zoom
// (z to mark its start, z again its end; 0 back). Only the metrics of the
// page shown have charts (Visible), so that the page asks for their points
// alone.
//
// A chart never hands ntcharts more than it can draw: each series is
// downsampled to the least and greatest value of each plot column (so
// spikes survive) before drawing. View is cheap: the drawing is computed
// again only after a change of data, size or options, and kept.
package chart
