package tfevents

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"testing"
)

// The fixture written by TensorBoard's Python writer: 11 records, a first
// Event{file_version: "brain.Event:2"}, then 10 scalars 0…9 in order.
func TestTensorBoardFile(t *testing.T) {
	b, err := os.ReadFile("../../../shared/fixtures/tfevents/events.out.tfevents.1661684667.applepie4")
	if err != nil {
		t.Fatal(err)
	}
	f := Read(b)
	if f.Records != 11 || f.Version != "brain.Event:2" || f.Corrupt != 0 || f.Undecoded != 0 || f.Truncated || f.End != int64(len(b)) {
		t.Fatalf("read %+v", f)
	}
	if len(f.Scalars) != 10 {
		t.Fatalf("%d scalars, want 10: %+v", len(f.Scalars), f.Scalars)
	}
	for i, s := range f.Scalars {
		if s.Value != float64(i) || s.Tag == "" || s.WallTime < 1.6e9 {
			t.Errorf("scalar %d: %+v", i, s)
		}
	}
}

// The encoding the tests write events with: protobuf's wire format.
func key(num, wire int) []byte { return binary.AppendUvarint(nil, uint64(num<<3|wire)) }

func bytesField(num int, data []byte) []byte {
	return append(binary.AppendUvarint(key(num, wireBytes), uint64(len(data))), data...)
}

func varintField(num int, v uint64) []byte { return binary.AppendUvarint(key(num, wireVarint), v) }

func fixed32Field(num int, v uint32) []byte {
	return binary.LittleEndian.AppendUint32(key(num, wireFixed32), v)
}

func fixed64Field(num int, v uint64) []byte {
	return binary.LittleEndian.AppendUint64(key(num, wireFixed64), v)
}

// event is an Event proto of one Summary.Value.
func event(step int64, value []byte) []byte {
	b := fixed64Field(eventWallTime, math.Float64bits(1.7e9))
	b = append(b, varintField(eventStep, uint64(step))...)
	return append(b, bytesField(eventSummary, bytesField(summaryValue, value))...)
}

// record frames data as TFRecord does.
func record(data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(data)))
	b = binary.LittleEndian.AppendUint32(b, maskedCRC(b))
	b = append(b, data...)
	return binary.LittleEndian.AppendUint32(b, maskedCRC(data))
}

func simple(tag string, v float32) []byte {
	return append(bytesField(valueTag, []byte(tag)), fixed32Field(valueSimple, math.Float32bits(v))...)
}

func tensor(tag string, t []byte) []byte {
	return append(bytesField(valueTag, []byte(tag)), bytesField(valueTensor, t)...)
}

// Newer writers put a scalar in a rank-0 tensor: as tensor_content (before
// or after its dtype), float_val or double_val; a tensor of rank 1, or of
// strings (a text summary), is not a scalar.
func TestTensorScalars(t *testing.T) {
	f32 := binary.LittleEndian.AppendUint32(nil, math.Float32bits(0.25))
	f64 := binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.125))
	rank1 := bytesField(tensorShape, bytesField(shapeDim, varintField(1, 3)))
	var b []byte
	for _, ev := range [][]byte{
		event(1, simple("loss", 2.5)),
		event(2, tensor("acc", append(varintField(tensorDtype, dtFloat), bytesField(tensorContent, f32)...))),
		event(3, tensor("acc", append(bytesField(tensorContent, f64), varintField(tensorDtype, dtDouble)...))),
		event(4, tensor("lr", append(varintField(tensorDtype, dtFloat), bytesField(tensorFloatVal, f32)...))),
		event(5, tensor("lr", append(varintField(tensorDtype, dtDouble), bytesField(tensorDoubleVal, f64)...))),
		event(6, tensor("hist", append(append(varintField(tensorDtype, dtFloat), rank1...), bytesField(tensorContent, f32)...))),
		event(7, tensor("note", append(varintField(tensorDtype, 7), bytesField(8, []byte("hello"))...))),
	} {
		b = append(b, record(ev)...)
	}
	f := Read(b)
	got := make([]Scalar, len(f.Scalars))
	for i, s := range f.Scalars {
		got[i] = Scalar{Tag: s.Tag, Step: s.Step, Value: s.Value}
	}
	want := []Scalar{{"loss", 1, 0, 2.5}, {"acc", 2, 0, 0.25}, {"acc", 3, 0, 0.125}, {"lr", 4, 0, 0.25}, {"lr", 5, 0, 0.125}}
	if !slices.Equal(got, want) || f.Records != 7 {
		t.Errorf("scalars %+v (of %d records), want %+v", got, f.Records, want)
	}
}

// A record failing its checksum is skipped and counted, a damaged header
// skipped until a sound one, and the records around them read.
func TestCorruptRecords(t *testing.T) {
	recs := [][]byte{record(event(1, simple("a", 1))), record(event(2, simple("a", 2))), record(event(3, simple("a", 3)))}
	bad := slices.Clone(recs[1])
	bad[len(bad)-6] ^= 0xff // in its data
	f := Read(slices.Concat(recs[0], bad, recs[2]))
	if len(f.Scalars) != 2 || f.Scalars[1].Value != 3 || f.Corrupt != 1 || f.FirstCorrupt == "" {
		t.Errorf("a bad record: %+v", f)
	}
	header := slices.Clone(recs[1])
	header[3] ^= 0x40 // in its length
	f = Read(slices.Concat(recs[0], header, recs[2]))
	if len(f.Scalars) != 2 || f.Scalars[1].Value != 3 || f.Corrupt != 1 {
		t.Errorf("a damaged header: %+v", f)
	}
	junk := []byte("not an event at all")
	f = Read(slices.Concat(recs[0], record(junk), recs[2]))
	if len(f.Scalars) != 2 || f.Undecoded != 1 || f.Corrupt != 0 {
		t.Errorf("a record that is not an event: %+v", f)
	}
}

// A file cut inside a record reads to the record before; reading again
// from End with the rest of the file goes on where it stopped.
func TestTruncatedThenResumed(t *testing.T) {
	whole := slices.Concat(record(event(1, simple("a", 1))), record(event(2, simple("a", 2))))
	cut := whole[:len(whole)-5]
	rs := NewRecords(cut)
	if _, err := rs.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Next(); !errors.Is(err, ErrTruncated) {
		t.Fatalf("cut record: %v", err)
	}
	f := Read(cut)
	if !f.Truncated || len(f.Scalars) != 1 || f.Corrupt != 0 {
		t.Fatalf("cut file: %+v", f)
	}
	rest := Read(whole[f.End:])
	if rest.Truncated || len(rest.Scalars) != 1 || rest.Scalars[0].Value != 2 {
		t.Errorf("resumed: %+v", rest)
	}
	if _, err := NewRecords(nil).Next(); err != io.EOF {
		t.Errorf("empty: %v", err)
	}
}

// Whatever the bytes, reading ends without a panic, never goes backwards,
// and never past the input.
func FuzzRead(f *testing.F) {
	if b, err := os.ReadFile("../../../shared/fixtures/tfevents/events.out.tfevents.1661684667.applepie4"); err == nil {
		f.Add(b)
	}
	f.Add(record(event(1, simple("loss", 1))))
	f.Add(record(event(2, tensor("acc", append(varintField(tensorDtype, dtFloat), bytesField(tensorContent, []byte{0, 0, 128, 63})...)))))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs := NewRecords(b)
		last := int64(0)
		for {
			data, err := rs.Next()
			if off := rs.Offset(); off < last || off > int64(len(b)) {
				t.Fatalf("offset %d after %d, of %d", off, last, len(b))
			}
			last = rs.Offset()
			if err != nil {
				break
			}
			ParseEvent(data)
		}
		Read(b)
	})
}

// What lathe writes for its own jobs reads back as TensorBoard's files do.
func TestWriterRoundTrip(t *testing.T) {
	b := slices.Concat(VersionRecord(1.7e9), ScalarRecord("loss/train", 3, 1.7e9+1, 0.5), ScalarRecord("acc", 4, 1.7e9+2, 0.75))
	f := Read(b)
	want := []Scalar{{"loss/train", 3, 1.7e9 + 1, 0.5}, {"acc", 4, 1.7e9 + 2, 0.75}}
	if f.Version != "brain.Event:2" || !slices.Equal(f.Scalars, want) || f.Corrupt != 0 || f.Truncated {
		t.Errorf("read back %+v", f)
	}
}

// BenchmarkRead1MScalars reads an event file of a million scalars (10 tags
// over 100 000 steps, CRCs checked), as an import or the live tail does.
func BenchmarkRead1MScalars(b *testing.B) {
	file := VersionRecord(1.7e9)
	for step := range int64(100_000) {
		for tag := range 10 {
			file = append(file, ScalarRecord(fmt.Sprintf("train/metric_%d", tag), step, 1.7e9+float64(step), float32(step))...)
		}
	}
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if f := Read(file); len(f.Scalars) != 1_000_000 || f.Corrupt != 0 {
			b.Fatalf("%d scalars, %d corrupt", len(f.Scalars), f.Corrupt)
		}
	}
}
