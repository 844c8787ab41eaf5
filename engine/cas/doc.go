// Package cas keeps content-addressed copies of model artifacts in the data
// directory, and fingerprints the data sets runs name.
//
// # Layout
//
// A [Store] is one folder, <data dir>/artifacts:
//
//	artifacts/
//	  sha256/
//	    ab/
//	      abcdef…            a file: its bytes, named by their sha256, mode 0444
//	      9f86d0…            a folder's manifest (a file like any other)
//	      9f86d0….d/         the folder itself, read-only: each of its files
//	        model.pt         is a hard link to the blob of that file
//	        tokenizer/vocab.txt
//	  tmp/                   copies being written; the same filesystem, so a
//	                         finished copy is put in place by a link or rename
//
// ab is the first two hex digits of the digest. Every blob is read-only, so
// a script that writes to what `lathe model path` printed fails rather than
// altering a registered version.
//
// A file artifact is one blob. A folder artifact is a blob for each of its
// regular files (identical files, in one folder or many, are stored once),
// a manifest, and a materialised tree. The manifest is JSON, written the
// same way every time:
//
//	{"files":[{"path":"model.pt","size":12,"sha256":"…"},{"path":"run.sh","size":40,"sha256":"…","exec":true}]}
//
// with files sorted by their slash-separated path inside the folder. It is
// stored as the blob of its own sha256, which is the folder's digest. The
// tree <digest>.d/ holds hard links to the blobs, so a folder takes its
// files' space once. Hard links share one mode, so the tree's files are all
// 0444 whatever the exec bit: the manifest keeps the exec bit and
// [CopyOut] restores it. Empty subfolders are not kept.
//
// # Writing
//
// [Store.Put] reads each source file exactly once, hashing it while writing
// a temporary file in tmp/ (hashing and writing overlap, so a copy costs
// about the slower of the two, not their sum); it syncs the file, then links
// it to its blob path. A blob that already exists wins: the temporary file is
// dropped, so there is one copy however many versions share it, and two Puts
// of the same content at once both succeed. A folder's files are all written
// to tmp/ before any is linked into place, and its tree is built in tmp/ and
// renamed into place, so a failed Put (a missing or unreadable file, a full
// disk, a cancelled context) leaves no temporary file, no partial blob and no
// partial tree. Temporary files a crash left behind are removed by the first
// Put of a Store once they are a day old.
//
// Symbolic links inside a folder are followed when they lead to a file or
// folder inside it, and refused when they lead out of it or loop; named
// pipes, sockets and devices are refused too: nothing is skipped silently.
//
// Removing a folder ([Store.Remove]) removes its tree and its manifest but
// leaves the blobs of its files: the store does not know which of them are
// also file artifacts of their own.
//
// # Data sets
//
// [Digest] fingerprints a data set without copying it: a file up to a limit
// by its whole sha256; a larger one by the sha256 of its size, modification
// time and first and last MiB (Partial); a folder by a manifest of its
// files, each digested by the same rule.
package cas
