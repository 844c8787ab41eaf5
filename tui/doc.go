// Package tui is lathe's full-screen app, a client of the engine like any
// other: it talks to it only through Engine, the slice of the engine's API
// (engine/api) it needs, so tests pass a fake or the engine in the process.
// All I/O happens in commands; engine events come through a command that
// reads one event and is re-armed by Update.
//
// The root model, App, keeps the frame (breadcrumbs, the footer's keys)
// and routes. Its pages are components of one shape (page: an update that
// returns the page and a command, a view, a size, its keys for help, a
// title), kept by typed constants (pageID), never by index: the dashboard,
// the runs, the GPUs, the models and the sweeps; over the runs one run (its overview,
// charts, logs and system readings as tabs), a comparison of runs
// (summary and curves) or a scatter of them (one field against another,
// or parallel coordinates); over the models one model's versions and promotion requests,
// and over those one version's lineage (its artifact, run, data sets,
// environment, and the runs it re-ran) or one request's review (the
// challenger beside the champion: metrics with deltas, curves overlaid,
// slices, every gate's verdict, the approvals; a approves, x rejects) or
// the model's drift (a heat map of its columns × the windows of production data,
// the chosen column's PSI over them and its histogram against the
// reference's, its quality, the shadow comparison; d opens it from the
// models, a model and the dashboard's attention box); over the sweeps one
// sweep (what its file asks, its trials as a leaderboard sorted by o with
// the best starred, the curves of its running trials and its best with
// the rungs where early stopping decides; s stops it, x kills its trials
// too, r resumes it), and over that a trial's run or the scatter of its
// trials (S, P on parallel coordinates). A sweep has no events of its
// own: the list or the sweep shown is read again every two seconds, and
// both whenever a run event of a trial comes.
// Each page but the top ones has a parent, which esc goes back to. Only
// the page shown gets the user's keys. One value, overlay, says what is
// open over the pages (nothing, the palette, a form — the job form, the
// one that registers a run as a model version, a review's comment —, a
// question before acting, the help, a notice of what an action did, as a
// re-run's changes); Update and View switch on it in the same order. The
// engine says who asks; what it refuses (an approval of one's own version,
// of a blocked request) the app shows in its words. Help is assembled from the keys that work where the user is: the
// page's (and its parts') FullHelp and the frame's, never a table kept by
// hand.
//
// The parts the pages are made of live in packages of their own, each with
// the same shape (Update, View, SetSize, ShortHelp and FullHelp from its
// own KeyMap and DefaultKeyMap) and owning its messages:
//   - chart: line charts of metrics, downsampled to what a terminal can draw,
//     and the grid of them a page shows (paged, filtered, inspected, zoomed);
//   - logview: a job's output paged from the engine, followed like `less +F`, searchable;
//   - table: rows with columns, a cursor, marks and scrolling;
//   - form: labelled text inputs with hints, checks and an error line;
//   - palette: the `:` prompt, fuzzy over items.
//
// They, and the pages, take their looks from one styles.Styles built from
// a theme's palette and passed down, and write numbers, durations and
// sizes through format.
package tui
