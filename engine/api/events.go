package api

// Event kinds.
const (
	EventRun    = "run"    // a run was created or changed state; Run is set
	EventPoints = "points" // new points of a running run; RunID and Points are set
	EventError  = "error"  // the stream broke (the client lagged, or the engine stopped)
	EventGPUs   = "gpus"   // a new sample of the GPUs; GPUs is set
	EventModel  = "model"  // a model, its versions or aliases changed; Model is its name
	EventDrift  = "drift"  // a model's drift changed (a reference, a window); Model is its name
)

// Event is one change.
type Event struct {
	Type   string             `json:"type"`
	Run    *Run               `json:"run,omitempty"`
	RunID  string             `json:"run_id,omitempty"`
	Points map[string][]Point `json:"points,omitempty"`
	GPUs   *GPUReport         `json:"gpus,omitempty"`
	Model  string             `json:"model,omitempty"`
	Error  string             `json:"error,omitempty"`
}
