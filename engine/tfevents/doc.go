// Package tfevents reads TensorBoard's event files: TFRecord framing (a
// length and its masked CRC-32C, the record, its masked CRC-32C) and the
// scalars of the Event protos inside, written as simple_value (older
// writers, PyTorch's SummaryWriter) or as rank-0 float tensors (TF 2's
// summary API). It decodes the few protobuf fields it needs by hand: the
// files are small messages, and lathe takes no protobuf runtime for them.
//
// A reader survives what a writer leaves: a record whose data fails its
// checksum is skipped and counted; a header that fails its own is skipped a
// byte at a time until a sound one; a record cut short at the end is not
// an error but where a tailer waits for more (Offset says where to resume).
//
// Import records folders of event files as runs, through the engine's
// contract; the engine's ingestion reads a running job's files as they grow.
package tfevents
