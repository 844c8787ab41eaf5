package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The audit log's bucket, created by its first entry, and the meta key that
// records the chain's head.
var (
	bucketAudit  = []byte("audit")
	keyAuditHead = []byte("audit_head")
)

// AuditEntry is one entry of the audit log. The store knows nothing of what
// entries mean: the engine writes them.
//
// Hash is the sha256 (hex) of the entry's canonical bytes: its encoding by
// encoding/json (map keys sorted) with Hash empty. Prev, the hash of the
// entry before ("" for the first), is among those bytes, so each entry
// vouches for every entry before it.
type AuditEntry struct {
	Seq     uint64         `json:"seq"` // 1, 2, 3… given by AppendAudit
	Time    time.Time      `json:"time"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Model   string         `json:"model,omitempty"`
	Version int            `json:"version,omitempty"`
	Details map[string]any `json:"details,omitempty"`
	Prev    string         `json:"prev"`
	Hash    string         `json:"hash,omitempty"`
}

// auditKey is an entry's key: its Seq, big-endian.
func auditKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// hash is the sha256 (hex) of e's canonical bytes: e without its Hash.
func (e AuditEntry) hash() (string, error) {
	e.Hash = ""
	raw, err := json.Marshal(&e)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

// AppendAudit appends e to the audit log: it gives e its Seq, Prev and Hash
// and writes it under its Seq, as its canonical bytes with the Hash. The
// chain's head (Seq and Hash) is recorded in the meta bucket and, once the
// transaction is durable, in a file beside the store (see AuditVerify).
//
// e is first made what reading it back gives, so that it hashes the same
// read back as written: Time in UTC (now when zero), Details as JSON reads
// them (numbers as float64, so an int 3 becomes 3.0; a store.Float NaN
// becomes the string "NaN"). e is left so, with its Seq, Prev and Hash (run
// again, as Update may, it gives the same). A value JSON cannot hold (a
// float64 NaN or infinity, a channel) is ErrInvalidInput, as are an empty
// Actor or Action.
func (tx *Tx) AppendAudit(e *AuditEntry) error {
	if e.Actor == "" || e.Action == "" {
		return fmt.Errorf("%w: an audit entry needs an actor and an action", ErrInvalidInput)
	}
	b, err := tx.btx.CreateBucketIfNotExists(bucketAudit)
	if err != nil {
		return err
	}
	last, err := auditEnd(b)
	if err != nil {
		return err
	}
	in := *e
	in.Seq, in.Prev, in.Hash = last.seq+1, last.hash, ""
	if in.Time.IsZero() {
		in.Time = time.Now()
	}
	in.Time = in.Time.UTC()
	invalid := func(err error) error {
		return fmt.Errorf("%w: audit entry %s: %v", ErrInvalidInput, in.Action, err)
	}
	raw, err := json.Marshal(&in)
	if err != nil {
		return invalid(err)
	}
	var n AuditEntry
	if err := json.Unmarshal(raw, &n); err != nil {
		return invalid(err)
	}
	if n.Hash, err = n.hash(); err != nil {
		return invalid(err)
	}
	value, err := json.Marshal(&n)
	if err != nil {
		return invalid(err)
	}
	if err := b.Put(auditKey(n.Seq), value); err != nil {
		return err
	}
	head := auditHead{seq: n.Seq, hash: n.Hash}
	if err := tx.bucket(bucketMeta).Put(keyAuditHead, []byte(head.String())); err != nil {
		return err
	}
	// A head file that disagrees with the chain is the evidence of entries
	// removed or rewritten: it is kept, not overwritten (remove it to
	// accept the chain as it is). A missing one is written anew.
	if db := tx.db; db != nil && headFileAgrees(b, tx.auditHeadPath(), last) {
		tx.OnCommit(func() { db.writeAuditHead(head.seq) })
	}
	*e = n
	return nil
}

// AuditEntries lists the audit log's entries that keep accepts (all when it
// is nil), oldest first.
func (tx *Tx) AuditEntries(keep func(*AuditEntry) bool) ([]AuditEntry, error) {
	out := []AuditEntry{}
	b := tx.btx.Bucket(bucketAudit)
	if b == nil {
		return out, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("%w: audit entry %x: %v", ErrDamaged, k, err)
		}
		if keep == nil || keep(&e) {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// AuditReport is what AuditVerify found.
type AuditReport struct {
	// Entries is how many entries the log holds; Head is the hash of the
	// last one verified.
	Entries int    `json:"entries"`
	Head    string `json:"head"`
	OK      bool   `json:"ok"`
	// FirstBad is the first entry that is not as it was written (0 when
	// OK): one altered, the first missing from a gap, or the one after
	// the last when entries may be missing from the end. Problem says how.
	FirstBad uint64 `json:"first_bad,omitempty"`
	Problem  string `json:"problem,omitempty"`
	// Note says what is worth knowing of a sound chain.
	Note string `json:"note,omitempty"`
}

// AuditVerify walks the audit log's chain: each entry reads, is stored
// under its Seq, in canonical form, with the hash of its canonical bytes
// and the previous entry's hash as its Prev; the Seqs run from 1 without a
// gap; and the chain ends where the store's meta record of its head and the
// head file beside the store (<store>.audit-head) say.
//
// The head file is the defence against the store file being edited or
// replaced whole: a forger who removes the last entries can rewrite the
// meta record in the same file, not the head file. So a missing head file
// while entries exist is a problem, whatever the meta record says. A head
// file behind the chain, naming an earlier entry by its right hash, is what
// a crash between a commit and the file's write leaves: that is OK, with a
// Note; the next entry updates the file. Verifying writes nothing.
//
// The head file is read outside the transaction: call this within
// DB.Update (writes wait, as for Check), or an entry committed during a
// View can make the file look ahead of the chain.
func (tx *Tx) AuditVerify() AuditReport {
	var rep AuditReport
	bad := func(seq uint64, format string, args ...any) {
		if rep.Problem == "" {
			rep.FirstBad, rep.Problem = seq, fmt.Sprintf(format, args...)
		}
	}
	var last auditHead // the last entry verified
	b := tx.btx.Bucket(bucketAudit)
	if b != nil {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			rep.Entries++
			if rep.Problem == "" {
				if e, problem := verifyEntry(k, v, last); problem != "" {
					bad(last.seq+1, "%s", problem)
				} else {
					last = auditHead{seq: e.Seq, hash: e.Hash}
				}
			}
		}
	}
	rep.Head = last.hash
	if rep.Problem != "" {
		return rep
	}

	meta := tx.bucket(bucketMeta).Get(keyAuditHead)
	if meta == nil && last.seq > 0 {
		bad(last.seq+1, "the store keeps no record of the chain's head, though it holds %d entries", last.seq)
		return rep
	}
	if meta != nil {
		h, err := parseAuditHead(string(meta))
		if err != nil {
			bad(last.seq+1, "the store's record of the chain's head does not read: %v", err)
			return rep
		}
		if h != last {
			seq, problem := headMismatch(b, h, last, "the store's record of its head")
			bad(seq, "%s", problem)
			return rep
		}
	}

	path := tx.auditHeadPath()
	h, err := readAuditHead(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if last.seq > 0 {
			bad(last.seq+1, "the chain's head file %s is missing, so nothing shows that no entry was removed from its end (if the file was lost, the next entry writes a new one)", path)
		}
	case err != nil:
		bad(last.seq+1, "the chain's head file: %v", err)
	case h == last:
	case h.seq < last.seq && auditHashAt(b, h.seq) == h.hash:
		rep.Note = fmt.Sprintf("the head file %s names entry %d, the chain goes on to %d: the engine stopped between committing entries and updating the file (or they were added as this check read it); the next entry updates it", path, h.seq, last.seq)
	default:
		seq, problem := headMismatch(b, h, last, "its head file "+path)
		bad(seq, "%s (if that was meant, remove the file: the next entry writes a new one)", problem)
	}
	rep.OK = rep.Problem == ""
	return rep
}

// verifyEntry checks the entry stored under k, which should follow prev.
func verifyEntry(k, v []byte, prev auditHead) (*AuditEntry, string) {
	want := prev.seq + 1
	if v == nil {
		return nil, fmt.Sprintf("entry %d: key %x holds a bucket", want, k)
	}
	if len(k) != 8 || binary.BigEndian.Uint64(k) == 0 {
		return nil, fmt.Sprintf("entry %d: key %x is not a sequence number", want, k)
	}
	if seq := binary.BigEndian.Uint64(k); seq != want {
		missing := fmt.Sprintf("entry %d is missing", want)
		if seq > want+1 {
			missing = fmt.Sprintf("entries %d to %d are missing", want, seq-1)
		}
		if prev.seq == 0 {
			return nil, fmt.Sprintf("%s (the chain begins at %d)", missing, seq)
		}
		return nil, fmt.Sprintf("%s (the chain goes from %d to %d)", missing, prev.seq, seq)
	}
	var e AuditEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return nil, fmt.Sprintf("entry %d does not read: %v", want, err)
	}
	if e.Seq != want {
		return nil, fmt.Sprintf("entry %d says it is entry %d", want, e.Seq)
	}
	hash, err := e.hash()
	if err != nil {
		return nil, fmt.Sprintf("entry %d does not encode: %v", want, err)
	}
	if hash != e.Hash {
		return nil, fmt.Sprintf("entry %d was altered: its content does not match its hash", want)
	}
	if stored, err := json.Marshal(&e); err != nil || !bytes.Equal(stored, v) {
		return nil, fmt.Sprintf("entry %d was altered: it is not stored as it was written", want)
	}
	if e.Prev != prev.hash && prev.seq == 0 {
		return nil, fmt.Sprintf("entry 1 names an entry before it (its prev is %.12s…): the chain's beginning was removed", e.Prev)
	}
	if e.Prev != prev.hash {
		return nil, fmt.Sprintf("entry %d does not follow entry %d (its prev is %.12s…, the hash of %d is %.12s…): one of them was rewritten", want, prev.seq, e.Prev, prev.seq, prev.hash)
	}
	return &e, ""
}

// headMismatch says how a recorded head h (named by what) differs from the
// chain's end, last, and which entry is the first bad one.
func headMismatch(b *bolt.Bucket, h, last auditHead, what string) (uint64, string) {
	switch {
	case h.seq > last.seq:
		return last.seq + 1, fmt.Sprintf("the chain ends at %d, %s says %d: entries were removed from its end, or the store file was replaced by another", last.seq, what, h.seq)
	case auditHashAt(b, h.seq) != h.hash:
		return h.seq, fmt.Sprintf("entry %d's hash is not the one %s records: the chain was rewritten from there", h.seq, what)
	default:
		return h.seq + 1, fmt.Sprintf("the chain goes on to %d, %s says %d: entries were added to the file by other means", last.seq, what, h.seq)
	}
}

// auditHead is the chain's head: its last entry's Seq and Hash (0 and ""
// when it is empty).
type auditHead struct {
	seq  uint64
	hash string
}

func (h auditHead) String() string { return strconv.FormatUint(h.seq, 10) + " " + h.hash }

func parseAuditHead(s string) (auditHead, error) {
	seq, hash, ok := strings.Cut(strings.TrimSuffix(s, "\n"), " ")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil || n == 0 || len(hash) != sha256.Size*2 || strings.Trim(hash, "0123456789abcdef") != "" {
		return auditHead{}, fmt.Errorf("%q is not a sequence number and a hash", s)
	}
	return auditHead{seq: n, hash: hash}, nil
}

// auditEnd is the head of the chain as stored: its last entry.
func auditEnd(b *bolt.Bucket) (auditHead, error) {
	k, v := b.Cursor().Last()
	if k == nil {
		return auditHead{}, nil
	}
	var e AuditEntry
	if len(k) != 8 || json.Unmarshal(v, &e) != nil || e.Seq != binary.BigEndian.Uint64(k) {
		return auditHead{}, fmt.Errorf("%w: the audit log's last entry (key %x) does not read", ErrDamaged, k)
	}
	return auditHead{seq: e.Seq, hash: e.Hash}, nil
}

// auditHashAt is the stored hash of entry seq ("" when it is missing or
// does not read).
func auditHashAt(b *bolt.Bucket, seq uint64) string {
	if b == nil {
		return ""
	}
	var e AuditEntry
	if v := b.Get(auditKey(seq)); v == nil || json.Unmarshal(v, &e) != nil {
		return ""
	}
	return e.Hash
}

// auditHeadPath is the head file of the store tx reads.
func (tx *Tx) auditHeadPath() string {
	p := tx.path()
	if tx.db == nil {
		// A compaction checks its new file under another name before it
		// takes the store's place: the store's head file is the one.
		p = strings.TrimSuffix(p, compactPath(""))
	}
	return auditHeadFile(p)
}

// auditHeadFile is where the chain's head is kept beside the store at path.
func auditHeadFile(path string) string { return path + ".audit-head" }

func readAuditHead(path string) (auditHead, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return auditHead{}, err
	}
	h, err := parseAuditHead(string(raw))
	if err != nil {
		return auditHead{}, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// headFileAgrees reports whether the head file at path agrees with the
// chain whose last entry is last: missing, or naming last or an entry
// before it by its hash.
func headFileAgrees(b *bolt.Bucket, path string, last auditHead) bool {
	h, err := readAuditHead(path)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	return err == nil && (h == last || h.seq < last.seq && auditHashAt(b, h.seq) == h.hash)
}

// writeAuditHead writes the head file once a transaction that appended entry
// seq is durable (on the writer, before the next transaction begins), if
// seq is the transaction's last entry. A failure is not reported: the file
// stays behind the chain, which AuditVerify accepts, and the next entry
// writes it again.
func (db *DB) writeAuditHead(seq uint64) {
	var raw []byte
	db.View(func(tx *Tx) error {
		raw = bytes.Clone(tx.bucket(bucketMeta).Get(keyAuditHead))
		return nil
	})
	h, err := parseAuditHead(string(raw))
	if err != nil || h.seq != seq {
		return // a later entry of the same transaction writes it
	}
	writeFileAtomic(auditHeadFile(db.path), []byte(h.String()+"\n"))
}

// writeFileAtomic replaces the file at path with data, durably: a crash
// leaves the old content or the new, never a mix.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncPath(filepath.Dir(path))
}
