// Package ingest turns the files a job writes (metrics.jsonl and output.log)
// into batches for the store. A Tailer reads a file from the offset the store
// last recorded and returns what the new complete lines say together with the
// offset after them; the engine commits both in one transaction, so a crash
// at any moment neither loses a point nor stores one twice.
//
// Nothing in a job's files can make a Tailer fail: bad lines are counted and
// the first one kept for `lathe show`; a line over MaxLine bytes is cut and
// counted.
package ingest
