package ingest

import (
	"math/bits"
	"sync"
)

// Read buffers are sized to what a file holds (a job that logs a line a
// second needs a few KiB, not readSize) and shared by every tailer through
// pools of power-of-two sizes, so memory follows the data read at once,
// not the number of jobs, and goes back when they end.
const (
	minBufShift = 12 // 4 KiB
	maxBufShift = 22 // readSize, 4 MiB
)

var bufPools [maxBufShift - minBufShift + 1]sync.Pool

// getBuf returns a buffer of n bytes (n ≤ readSize) from the pools.
func getBuf(n int) []byte {
	class := bufClass(n)
	if p, ok := bufPools[class].Get().(*[]byte); ok {
		return (*p)[:n]
	}
	return make([]byte, n, 1<<(class+minBufShift))
}

// putBuf gives a buffer of getBuf back; nothing may use it after.
func putBuf(b []byte) {
	class := bufClass(cap(b))
	if 1<<(class+minBufShift) != cap(b) {
		return // not one of ours
	}
	b = b[:cap(b)]
	bufPools[class].Put(&b)
}

// bufClass is the pool of the smallest power of two that holds n.
func bufClass(n int) int {
	if n <= 1<<minBufShift {
		return 0
	}
	return min(bits.Len(uint(n-1)), maxBufShift) - minBufShift
}
