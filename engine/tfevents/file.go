package tfevents

import (
	"errors"
)

// File is what a file of events holds, as far as it goes.
type File struct {
	// Version is the first event's file_version ("brain.Event:2").
	Version string
	Records int
	Scalars []Scalar
	// Corrupt and FirstCorrupt are the records skipped (see Records);
	// Undecoded counts sound records that are not Event protos.
	Corrupt      int
	FirstCorrupt string
	Undecoded    int
	// Truncated says the file ends inside a record; End is where the last
	// whole record ends, where a reader of a growing file resumes.
	Truncated bool
	End       int64
}

// Read reads the records of b (a file's bytes) and the scalars of their
// events, in order.
func Read(b []byte) File {
	var f File
	rs := NewRecords(b)
	for {
		data, err := rs.Next()
		if err != nil {
			f.Truncated = errors.Is(err, ErrTruncated)
			break
		}
		f.Records++
		ev, err := ParseEvent(data)
		if err != nil {
			f.Undecoded++
			continue
		}
		if f.Version == "" {
			f.Version = ev.FileVersion
		}
		f.Scalars = append(f.Scalars, ev.Scalars...)
	}
	f.Corrupt, f.FirstCorrupt, f.End = rs.Corrupt, rs.FirstCorrupt, rs.Offset()
	return f
}
