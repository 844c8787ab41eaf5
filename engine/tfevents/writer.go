package tfevents

import (
	"encoding/binary"
	"math"
)

// Writing is for lathe's own synthetic jobs and tests: what TensorBoard's
// writers write for a scalar, framed as TFRecord.

// VersionRecord is the record that starts an event file.
func VersionRecord(wallTime float64) []byte {
	ev := binary.LittleEndian.AppendUint64(appendKey(nil, eventWallTime, wireFixed64), math.Float64bits(wallTime))
	ev = appendBytes(ev, eventFileVersion, []byte("brain.Event:2"))
	return frame(ev)
}

// ScalarRecord is the record of one scalar, as simple_value.
func ScalarRecord(tag string, step int64, wallTime float64, value float32) []byte {
	v := appendBytes(nil, valueTag, []byte(tag))
	v = binary.LittleEndian.AppendUint32(appendKey(v, valueSimple, wireFixed32), math.Float32bits(value))
	ev := binary.LittleEndian.AppendUint64(appendKey(nil, eventWallTime, wireFixed64), math.Float64bits(wallTime))
	ev = binary.AppendUvarint(appendKey(ev, eventStep, wireVarint), uint64(step))
	ev = appendBytes(ev, eventSummary, appendBytes(nil, summaryValue, v))
	return frame(ev)
}

func appendKey(b []byte, num, wire int) []byte { return binary.AppendUvarint(b, uint64(num<<3|wire)) }

func appendBytes(b []byte, num int, data []byte) []byte {
	return append(binary.AppendUvarint(appendKey(b, num, wireBytes), uint64(len(data))), data...)
}

// frame wraps data as a TFRecord: length, its masked CRC, data, its masked CRC.
func frame(data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(make([]byte, 0, 16+len(data)), uint64(len(data)))
	b = binary.LittleEndian.AppendUint32(b, maskedCRC(b))
	b = append(b, data...)
	return binary.LittleEndian.AppendUint32(b, maskedCRC(data))
}
