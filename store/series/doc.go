// Package series encodes one chunk of a metric series: a run of points
// (step, time, value) in arrival order, compressed after Facebook's Gorilla
// (Pelkonen et al., VLDB 2015): delta-of-delta codes for steps and times, XOR
// codes for values, and a header that summarises the chunk so listings need
// not decode it.
//
// Nothing is sorted: steps and times may repeat, go backwards or jump
// anywhere in int64, and every float64 bit pattern (NaN payloads, ±Inf, -0,
// subnormals) round-trips bit-exactly.
//
// An Appender encodes incrementally, so the store can keep the open (last)
// chunk of a series in memory, append to it in O(1) per point and write
// Bytes at each commit; Resume rebuilds that Appender from the stored bytes
// after a restart. Decode, DecodeAppend and ReadSummary read chunks, and
// fail with an error wrapping ErrCorrupt, never a panic, on damaged input.
//
// # Chunk layout (format version 1)
//
// A chunk is a header followed by a bit stream. Varints are those of
// encoding/binary (uvarint; varint is zigzag), floats are IEEE 754 bits in
// 8 bytes little-endian.
//
//	byte     version, 1
//	uvarint  Count
//
// An empty chunk ends there (2 bytes). Otherwise:
//
//	varint   FirstStep
//	varint   LastStep
//	varint   FirstTime
//	varint   LastTime
//	8 bytes  Min
//	8 bytes  Max
//	8 bytes  Sum
//	8 bytes  Last
//	...      bit stream, to the end of the chunk
//
// The bit stream is written most significant bit first, each field most
// significant bit first, and padded with 0 bits to a whole byte. Point 0
// is only its value code (its step and time are FirstStep and FirstTime);
// every later point is a step code, a time code and a value code.
//
// Step and time codes carry the delta-of-delta dod = (x[i] - x[i-1]) -
// (x[i-1] - x[i-2]), where the delta before point 1 is taken as 0 (so
// point 1's dod is its plain delta). Subtractions wrap modulo 2^64, so any
// int64 sequence is representable. A dod is written in the first bucket
// that holds it as a two's complement number of that width:
//
//	steps                        times (microseconds)
//	'0'                dod = 0    '0'                dod = 0
//	'10'    + 6 bits   ±32        '10'    + 12 bits  ±2 ms
//	'110'   + 13 bits  ±4096      '110'   + 17 bits  ±65 ms
//	'1110'  + 20 bits  ±2^19      '1110'  + 22 bits  ±2 s
//	'11110' + 32 bits  ±2^31      '11110' + 32 bits  ±35 min
//	'11111' + 64 bits  any        '11111' + 64 bits  any
//
// A regular step (step += 1) costs 1 bit per point; times one second apart
// with 2% of jitter cost 20 bits on average.
//
// Value codes are Gorilla's XOR codes against the previous value's bits
// (the value before point 0 is taken as +0, bits 0):
//
//	'0'                                  same bits as the previous value
//	'10' + w bits                        the XOR's nonzero bits lie within
//	                                     the current window of w bits: they
//	                                     are written without its leading and
//	                                     trailing zeros
//	'11' + 5 bits L + 6 bits M + M bits  new window: L leading zeros (at
//	                                     most 31), M meaningful bits (1..64,
//	                                     64 written as 0), trailing zeros
//	                                     64-L-M; it becomes the current window
//
// '10' is invalid before the first '11'. The encoder uses '10' only when it
// is no longer than a new window would be.
//
// On a 1000-point training series (step += 1, a point a second with 2%
// jitter, a noisy decreasing loss) a chunk costs about 5.9 bytes a point
// when the loss was computed in float32 (its XOR codes average 26 bits),
// and 9.5 when all 52 mantissa bits are noise (55 bits).
//
// # Consistency checks
//
// Decoding rejects (with ErrCorrupt) a chunk of another version, a header
// whose Count cannot fit in the stream (each point after the first takes at
// least 3 bits), a stream that ends early, invalid value codes, a whole byte
// or nonzero padding bits after the last point, and a header summary that
// disagrees with the decoded points (NaN payloads of Min, Max and Sum
// excepted). Count is checked against the stream length before anything is
// sized by it, so the memory a chunk can make a decoder use is bounded by
// the chunk's length.
//
// # Ownership
//
// Appender.Bytes returns a new slice on every call (header plus one copy of
// the stream); it never aliases the Appender, so it may be handed to bbolt
// and kept. Resume and the decoders do not retain the chunk they are given,
// so bbolt values, valid only inside their transaction, can be passed
// directly. Decoded points are values and alias nothing.
package series
