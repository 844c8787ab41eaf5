package api

import "time"

// EngineStatus describes a running engine.
type EngineStatus struct {
	API     int       `json:"api"`
	Version string    `json:"version"`
	PID     int       `json:"pid"`
	Home    string    `json:"home"`
	Socket  string    `json:"socket"`
	Started time.Time `json:"started"`
	Running int       `json:"running"`
	Queued  int       `json:"queued"`
	// Upgrade is set when this engine upgraded the store as it opened it.
	Upgrade *Upgrade `json:"upgrade,omitempty"`
	GPU     GPUInfo  `json:"gpu"`
	Devices int      `json:"devices"`
	// Runners are the runners this engine starts jobs with; the first is
	// the default.
	Runners []string `json:"runners,omitempty"`
	// MLflow is the MLflow-compatible endpoint, when configured.
	MLflow *MLflowEndpoint `json:"mlflow,omitempty"`
	// Stall says why what jobs log is not being stored now (a full
	// disk); it clears by itself.
	Stall string `json:"stall,omitempty"`
	// Damaged counts the damaged records listings leave out (the most one
	// left out); `lathe store check` names them.
	Damaged int `json:"damaged,omitempty"`
}

// MLflowEndpoint is where MLflow's clients reach the engine.
type MLflowEndpoint struct {
	// URI is MLFLOW_TRACKING_URI ("http://127.0.0.1:PORT").
	URI string `json:"uri"`
	// Error says why the endpoint is not serving (the port was taken…).
	Error string `json:"error,omitempty"`
}

// Upgrade says the store was upgraded from an older schema, and where the
// copy of the file as it was is kept.
type Upgrade struct {
	From   int    `json:"From"`
	To     int    `json:"To"`
	Backup string `json:"Backup"`
}

// CheckReport is what a check of the store found.
type CheckReport struct {
	Runs   int   `json:"runs"`
	Series int   `json:"series"`
	Chunks int   `json:"chunks"`
	Points int64 `json:"points"`
	// Versions counts the model versions; Artifacts the copies of their
	// artifacts read again and found whole.
	Versions  int `json:"versions"`
	Artifacts int `json:"artifacts"`
	// AuditEntries counts the audit log's entries checked.
	AuditEntries int      `json:"audit_entries"`
	Problems     []string `json:"problems"`
}

// StoreStats describes the store's file.
type StoreStats struct {
	Path      string        `json:"path"`
	FileBytes int64         `json:"file_bytes"`
	FreeBytes int64         `json:"free_bytes"`
	Points    int64         `json:"points"`
	Buckets   []BucketStats `json:"buckets"`
	Schema    int           `json:"schema"`
}

// BucketStats is the size of one bucket of the store.
type BucketStats struct {
	Name  string `json:"name"`
	Keys  int    `json:"keys"`
	Bytes int64  `json:"bytes"` // pages in use, with their headers and free space
	Data  int64  `json:"data"`  // keys and values alone
}

// CompactResult is what a compaction of the store did.
// BackupRequest asks for a backup at Path ("": the engine's backups/).
type BackupRequest struct {
	Path string `json:"path,omitempty"`
}

// BackupResult is a backup of the store just taken.
type BackupResult struct {
	Path  string    `json:"path"`
	Bytes int64     `json:"bytes"`
	Taken time.Time `json:"taken"`
}

type CompactResult struct {
	Path   string `json:"path"`
	Before int64  `json:"before_bytes"`
	After  int64  `json:"after_bytes"`
	Points int64  `json:"points"`
}

// Progress is a line of a long request's reply on the wire (a compaction,
// a registration copying a large artifact): how far it is, and on the last
// line its Result or its Error.
type Progress[T any] struct {
	Done   int64      `json:"done,omitempty"`
	Total  int64      `json:"total,omitempty"`
	Result *T         `json:"result,omitempty"`
	Error  *WireError `json:"error,omitempty"`
}
