package api

import "context"

// LogService reads a run's output by ranges of lines and searches all of
// it, so that a viewer pages through a file of any size without holding it.
type LogService interface {
	// LogLines reads lines of the run's output around a byte offset.
	LogLines(ctx context.Context, ref string, req LogLinesRequest) (LogLines, error)
	// SearchLogs streams the lines of the run's output that hold a query,
	// from a byte offset in one direction, to fn, with progress, until the
	// end (or the start), Max matches, or ctx ends.
	SearchLogs(ctx context.Context, ref string, req LogSearchRequest, fn func(LogSearchEvent) error) error
}

// MaxLogLine is the most bytes of one line LogLines and SearchLogs give:
// a longer line is cut (LogLine.Cut), its length still counted.
const MaxLogLine = 32 << 10

// MaxLogLines is the most lines one LogLines gives.
const MaxLogLines = 10000

// LogLinesRequest asks for up to Count lines (at most MaxLogLines) from a
// line's start.
type LogLinesRequest struct {
	// From is the byte offset of a line's start; a negative one, or one
	// past the end, is the end of the output.
	From int64 `json:"from"`
	// Back reads the lines that end at or before From (those above it)
	// instead of those from it on.
	Back  bool `json:"back,omitempty"`
	Count int  `json:"count"`
	// HideMetrics leaves out the lines read as metrics (with the run's
	// parser).
	HideMetrics bool `json:"hide_metrics,omitempty"`
}

// LogLine is one line of a run's output.
type LogLine struct {
	// Offset is the byte where the line starts.
	Offset int64 `json:"offset"`
	// Len is the line's length in bytes with its line break: the next
	// line starts at Offset+Len.
	Len int64 `json:"len"`
	// Text is the line without its line break ("\n" or "\r\n"), cut at
	// MaxLogLine bytes.
	Text string `json:"text"`
	Cut  bool   `json:"cut,omitempty"`
}

// LogLines is a range of a run's output, in order.
type LogLines struct {
	Lines []LogLine `json:"lines"`
	// Start and End are the bytes read: a further read back goes on from
	// Start, one forward from End (hidden lines are in the range too).
	Start int64 `json:"start"`
	End   int64 `json:"end"`
	// Size is the output's size when read.
	Size int64 `json:"size"`
}

// LogSearchRequest asks for the lines holding Query.
type LogSearchRequest struct {
	Query string `json:"query"`
	// Fold ignores case.
	Fold bool `json:"fold,omitempty"`
	// From is a line's start: forward, the search begins at it; back, it
	// begins with the line above it. A negative From is the end.
	From int64 `json:"from"`
	Back bool  `json:"back,omitempty"`
	// Max stops the search after that many matching lines; 0: no limit.
	Max         int  `json:"max,omitempty"`
	HideMetrics bool `json:"hide_metrics,omitempty"`
}

// LogSearchEvent is one message of a search: a matching line, or how far
// it is. The last one has Done set.
type LogSearchEvent struct {
	Match *LogLine `json:"match,omitempty"`
	// Scanned is how many bytes the search has read so far, of Size.
	Scanned int64 `json:"scanned"`
	Size    int64 `json:"size"`
	// Done: the search reached the end (or the start) or its Max.
	Done bool `json:"done,omitempty"`
}

// LogSearchLine is one line of a search's stream on the socket: an event,
// or the error that ended the search.
type LogSearchLine struct {
	LogSearchEvent
	Error *WireError `json:"error,omitempty"`
}
