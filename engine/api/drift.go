package api

import (
	"context"
	"time"
)

// DriftService is drift and live evaluation: the data a model version was
// trained on kept as a reference, batches of production data scored
// against it window by window, quality when labels come, and a
// challenger's predictions scored beside the champion's on the same rows.
type DriftService interface {
	// SetDriftReference summarises a data file as the reference of a model
	// version (only the summary is kept).
	SetDriftReference(ctx context.Context, req DriftReferenceRequest) (DriftReference, error)
	// IngestDrift scores a batch of current data against the model's
	// reference and adds it to its window; an alert runs what the model's
	// policy says.
	IngestDrift(ctx context.Context, req DriftIngestRequest) (DriftIngestResult, error)
	// Drift returns a model's drift: its settings, references and windows,
	// newest first.
	Drift(ctx context.Context, q DriftQuery) (ModelDrift, error)
}

// The statuses of a feature, a window and a gate's reading of them.
const (
	DriftOK    = "ok"
	DriftWarn  = "warn"
	DriftAlert = "alert"
)

// DriftColumn is one column's drift between a reference and current data.
// Statistics that do not apply to the column's type, or could not be
// computed (no values on a side), are absent.
type DriftColumn struct {
	Type string `json:"type"` // "numeric" or "categorical"
	// Role is "prediction", "label" or "challenger" for those columns (they
	// do not count in the data set's drift share); empty for a feature.
	Role            string `json:"role,omitempty"`
	PSI             *Float `json:"psi,omitempty"`
	PSIPValue       *Float `json:"psi_pvalue,omitempty"`
	KSStatistic     *Float `json:"ks_statistic,omitempty"`
	KSPValue        *Float `json:"ks_pvalue,omitempty"`
	Wasserstein     *Float `json:"wasserstein,omitempty"`
	WassersteinNorm *Float `json:"wasserstein_norm,omitempty"`
	JS              *Float `json:"js,omitempty"`
	Chi2PValue      *Float `json:"chi2_pvalue,omitempty"`
	Status          string `json:"status"`
	// NRef and NCur count the values compared (finite, or a category);
	// Missing* the missing ones; Inf* the infinities, counted apart.
	NRef       int `json:"n_ref"`
	NCur       int `json:"n_cur"`
	MissingRef int `json:"missing_ref"`
	MissingCur int `json:"missing_cur"`
	InfRef     int `json:"inf_ref,omitempty"`
	InfCur     int `json:"inf_cur,omitempty"`
	// Bins are the reference's decile bins (numeric) or categories, with
	// each side's share, for a histogram of one beside the other.
	Bins []DriftBin `json:"bins,omitempty"`
	// Note says what is worth knowing: "no current values", "scored on a
	// sample of 100000 of 2000000 values".
	Note string `json:"note,omitempty"`
}

// DriftBin is one bin of a column: numeric bins are [Lo, Hi) on the
// reference's deciles (open-ended at either end), categorical bins a
// category.
type DriftBin struct {
	Lo       *Float `json:"lo,omitempty"`
	Hi       *Float `json:"hi,omitempty"`
	Category string `json:"category,omitempty"`
	Ref      Float  `json:"ref"` // share of the reference
	Cur      Float  `json:"cur"` // share of the current data
}

// DriftReport is what `lathe drift stat` prints: every column compared,
// the share of features that alert and the data set's status.
type DriftReport struct {
	Columns       map[string]DriftColumn `json:"columns"`
	DriftShare    Float                  `json:"drift_share"`
	DatasetStatus string                 `json:"dataset_status"`
	// Rows read and bad rows skipped on each side, with the first bad
	// lines, so nothing is dropped unsaid.
	RowsRef int       `json:"rows_ref"`
	RowsCur int       `json:"rows_cur"`
	BadRef  int       `json:"bad_rows_ref,omitempty"`
	BadCur  int       `json:"bad_rows_cur,omitempty"`
	BadRows []BadRow  `json:"bad_rows,omitempty"`
	Ignored []string  `json:"ignored,omitempty"` // current columns the reference lacks
	Absent  []string  `json:"absent,omitempty"`  // reference features the current data lacks
	Quality *Quality  `json:"quality,omitempty"`
	Shadow  *Shadow   `json:"shadow,omitempty"`
	Scored  time.Time `json:"scored,omitzero"`
}

// BadRow is a row of a data file that could not be read.
type BadRow struct {
	Side   string `json:"side,omitempty"` // "reference" or "current"
	Line   int    `json:"line"`           // line of the file (a Parquet file: row)
	Reason string `json:"reason"`
}

// Quality is a model's quality on the rows of a window that carried labels.
type Quality struct {
	Metric string `json:"metric"` // accuracy, auc, rmse, mae
	Value  Float  `json:"value"`
	Rows   int    `json:"rows"`
}

// Shadow is a challenger scored beside the champion on the same rows:
// the paired test, the difference (challenger − champion) with its
// confidence interval, and whether the challenger is better at the
// policy's level.
type Shadow struct {
	Version        int    `json:"version"` // the challenger
	Metric         string `json:"metric"`
	Test           string `json:"test"` // "mcnemar-exact", "mcnemar", "bootstrap"
	Rows           int    `json:"rows"`
	Champion       Float  `json:"champion"`
	Challenger     Float  `json:"challenger"`
	Diff           Float  `json:"diff"`
	Lo             Float  `json:"ci_lo"`
	Hi             Float  `json:"ci_hi"`
	PValue         Float  `json:"p_value"`
	Better         bool   `json:"better"`
	ChampionOnly   int    `json:"champion_only,omitempty"`   // McNemar: rows only the champion got right
	ChallengerOnly int    `json:"challenger_only,omitempty"` // and only the challenger
}

// DriftReferenceRequest makes a data file the reference of a version.
type DriftReferenceRequest struct {
	// Ref is NAME@VERSION, NAME@ALIAS or NAME (the latest version).
	Ref  string `json:"ref"`
	Data string `json:"data"` // an absolute path the engine reads
	// Format and Types override what the file's name and values say.
	Format string            `json:"format,omitempty"`
	Types  map[string]string `json:"types,omitempty"`
	User   string            `json:"user,omitempty"` // set by the socket server
}

// DriftReference is a version's reference, as kept (without its samples).
type DriftReference struct {
	Model   string `json:"model"`
	Version int    `json:"version"`
	// Source is the file summarised; Dataset the run's dataset name when
	// it came from the run's `train` data set.
	Source   string            `json:"source"`
	Dataset  string            `json:"dataset,omitempty"`
	SHA256   string            `json:"sha256,omitempty"`
	Rows     int               `json:"rows"`
	Bad      int               `json:"bad_rows,omitempty"`
	Features map[string]string `json:"features"` // name → numeric or categorical
	// Sample is the most values a feature keeps for KS and Wasserstein.
	Sample  int       `json:"sample"`
	Created time.Time `json:"created"`
	By      string    `json:"by,omitempty"`
	// Error says why a reference made from a run's data set failed.
	Error string `json:"error,omitempty"`
}

// DriftIngestRequest is a batch of current data for a model.
type DriftIngestRequest struct {
	// Ref is the model, or NAME@VERSION to score against that version's
	// reference (default: the champion's, else the newest version's).
	Ref    string            `json:"ref"`
	Data   string            `json:"data"` // an absolute path the engine reads
	Format string            `json:"format,omitempty"`
	Types  map[string]string `json:"types,omitempty"`
	// Time places the batch in a window (zero: now).
	Time time.Time `json:"time,omitzero"`
	// Challenger is the version whose predictions the batch's challenger
	// column holds, for shadow evaluation (0: none).
	Challenger int    `json:"challenger,omitempty"`
	User       string `json:"user,omitempty"` // set by the socket server
}

// DriftIngestResult is the window the batch went into, as it now is, and
// what the batch set off.
type DriftIngestResult struct {
	Window DriftWindow `json:"window"`
	Batch  DriftReport `json:"batch"` // the batch on its own
	// Alerted says the window turned to alert with this batch; Hook and
	// Retrain say what that did.
	Alerted bool        `json:"alerted,omitempty"`
	Hook    *HookResult `json:"hook,omitempty"`
	Retrain *Retrain    `json:"retrain,omitempty"`
}

// Retrain is what an alert did about retraining.
type Retrain struct {
	// Run is the run started (empty when none was).
	Run string `json:"run,omitempty"`
	// Of is the champion's training run that was started again.
	Of string `json:"of,omitempty"`
	// Skipped says why none was started (cool-down, no champion…).
	Skipped string    `json:"skipped,omitempty"`
	Time    time.Time `json:"time"`
}

// DriftWindow is a window of a model's production data, scored.
type DriftWindow struct {
	Seq     int       `json:"seq"`
	Model   string    `json:"model"`
	Version int       `json:"version"` // whose reference it was scored against
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Batches int       `json:"batches"`
	DriftReport
	Retrain *Retrain `json:"retrain,omitempty"`
}

// DriftSettings are a model's drift thresholds and columns, from its policy.
type DriftSettings struct {
	Warn         Float  `json:"psi_warn"`
	Alert        Float  `json:"psi_alert"`
	DatasetShare Float  `json:"dataset_share"`
	Window       string `json:"window"` // batch, hour, day
	Prediction   string `json:"prediction"`
	Label        string `json:"label"`
	Challenger   string `json:"challenger"`
	Retrain      bool   `json:"retrain"`
	Cooldown     string `json:"cooldown"`
	Watch        string `json:"watch,omitempty"`
	ShadowRows   int    `json:"shadow_min_rows,omitempty"`
	ShadowAlpha  Float  `json:"shadow_alpha"`
}

// DriftQuery selects a model's drift.
type DriftQuery struct {
	Model string `json:"model"`
	// Windows caps how many windows come back, newest first (0: 100).
	Windows int `json:"windows,omitempty"`
	// Window, when set, asks for that window alone.
	Window int `json:"window,omitempty"`
}

// ModelDrift is a model's drift: settings, references, windows.
type ModelDrift struct {
	Model      string           `json:"model"`
	Settings   DriftSettings    `json:"settings"`
	References []DriftReference `json:"references"`
	// Windows are newest first.
	Windows []DriftWindow `json:"windows"`
	// Damaged are windows whose records cannot be read (lathe store
	// check says more); the others are listed still.
	Damaged []int `json:"damaged_windows,omitempty"`
	// Status is the latest window's status ("" when none).
	Status string `json:"status,omitempty"`
	// LastRetrain is the last retraining an alert started.
	LastRetrain *Retrain `json:"last_retrain,omitempty"`
}
