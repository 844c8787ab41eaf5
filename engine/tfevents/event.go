package tfevents

import (
	"encoding/binary"
	"errors"
	"math"
)

// Scalar is one value of a tag at a step.
type Scalar struct {
	Tag      string
	Step     int64
	WallTime float64 // Unix seconds
	Value    float64
}

// Event is what lathe reads of an Event proto: its time and step, the
// file's version (the first event of a file), and its scalars.
type Event struct {
	WallTime    float64
	Step        int64
	FileVersion string
	Scalars     []Scalar
}

var errProto = errors.New("tfevents: not an Event proto")

// The field numbers read (tensorflow/core/util/event.proto, summary.proto,
// tensor.proto).
const (
	eventWallTime    = 1 // double
	eventStep        = 2 // int64
	eventFileVersion = 3 // string
	eventSummary     = 5 // Summary
	summaryValue     = 1 // repeated Summary.Value
	valueTag         = 1 // string
	valueSimple      = 2 // float
	valueTensor      = 8 // TensorProto
	tensorDtype      = 1 // DataType
	tensorShape      = 2 // TensorShapeProto
	tensorContent    = 4 // bytes
	tensorFloatVal   = 5 // repeated float (packed)
	tensorDoubleVal  = 6 // repeated double (packed)
	shapeDim         = 2 // repeated Dim: a rank-0 tensor has none

	dtFloat  = 1
	dtDouble = 2
)

// ParseEvent decodes an Event record.
func ParseEvent(b []byte) (Event, error) {
	var ev Event
	err := fields(b, func(num int, wire int, v uint64, data []byte) error {
		switch {
		case num == eventWallTime && wire == wireFixed64:
			ev.WallTime = math.Float64frombits(v)
		case num == eventStep && wire == wireVarint:
			ev.Step = int64(v)
		case num == eventFileVersion && wire == wireBytes:
			ev.FileVersion = string(data)
		case num == eventSummary && wire == wireBytes:
			return fields(data, func(num, wire int, _ uint64, data []byte) error {
				if num != summaryValue || wire != wireBytes {
					return nil
				}
				s, ok, err := parseValue(data)
				if ok {
					ev.Scalars = append(ev.Scalars, s)
				}
				return err
			})
		}
		return nil
	})
	if err != nil {
		return Event{}, err
	}
	for i := range ev.Scalars {
		ev.Scalars[i].Step, ev.Scalars[i].WallTime = ev.Step, ev.WallTime
	}
	return ev, nil
}

// parseValue reads a Summary.Value: ok when it is a scalar.
func parseValue(b []byte) (s Scalar, ok bool, err error) {
	err = fields(b, func(num, wire int, v uint64, data []byte) error {
		switch {
		case num == valueTag && wire == wireBytes:
			s.Tag = string(data)
		case num == valueSimple && wire == wireFixed32:
			s.Value, ok = float64(math.Float32frombits(uint32(v))), true
		case num == valueTensor && wire == wireBytes:
			var err error
			s.Value, ok, err = tensorScalar(data)
			return err
		}
		return nil
	})
	return s, ok && err == nil, err
}

// tensorScalar reads a TensorProto that is a rank-0 float or double (how
// TF 2 writes a scalar): ok is false for any other tensor (histograms,
// text, images).
func tensorScalar(b []byte) (v float64, ok bool, err error) {
	var dtype uint64
	var content []byte
	rank0, have := true, false
	err = fields(b, func(num, wire int, x uint64, data []byte) error {
		switch {
		case num == tensorDtype && wire == wireVarint:
			dtype = x
		case num == tensorShape && wire == wireBytes:
			return fields(data, func(num, _ int, _ uint64, _ []byte) error {
				if num == shapeDim {
					rank0 = false
				}
				return nil
			})
		case num == tensorFloatVal && wire == wireBytes && len(data) >= 4:
			v, have = float64(math.Float32frombits(binary.LittleEndian.Uint32(data))), true
		case num == tensorFloatVal && wire == wireFixed32:
			v, have = float64(math.Float32frombits(uint32(x))), true
		case num == tensorDoubleVal && wire == wireBytes && len(data) >= 8:
			v, have = math.Float64frombits(binary.LittleEndian.Uint64(data)), true
		case num == tensorDoubleVal && wire == wireFixed64:
			v, have = math.Float64frombits(x), true
		case num == tensorContent && wire == wireBytes:
			content = data // read once the type is known: it may come first
		}
		return nil
	})
	switch {
	case have:
	case dtype == dtFloat && len(content) == 4:
		v, have = float64(math.Float32frombits(binary.LittleEndian.Uint32(content))), true
	case dtype == dtDouble && len(content) == 8:
		v, have = math.Float64frombits(binary.LittleEndian.Uint64(content)), true
	}
	return v, err == nil && have && rank0 && (dtype == dtFloat || dtype == dtDouble), err
}
