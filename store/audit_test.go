package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// auditEntry is the nth test entry, its details nested and of every kind
// JSON holds.
func auditEntry(n int) *AuditEntry {
	return &AuditEntry{
		Time:    time.Date(2026, 3, 1, 12, 0, n, 123456789, time.FixedZone("CET", 3600)),
		Actor:   fmt.Sprintf("user%d", n),
		Action:  "promote",
		Model:   "churn",
		Version: n,
		Details: map[string]any{
			"comment": "looks <good> & fine",
			"checks": []any{
				map[string]any{"name": "auc", "value": 0.8125, "ok": true},
				map[string]any{"name": "drift", "value": nil, "ok": false},
			},
			"approvals": n,
		},
	}
}

// appendAudit appends entries in one transaction.
func appendAudit(t *testing.T, db *DB, entries ...*AuditEntry) {
	t.Helper()
	update(t, db, func(tx *Tx) error {
		for _, e := range entries {
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// verifyAudit verifies the chain of an open store, as the engine does, in
// a write transaction.
func verifyAudit(t *testing.T, db *DB) AuditReport {
	t.Helper()
	var rep AuditReport
	update(t, db, func(tx *Tx) error { rep = tx.AuditVerify(); return nil })
	return rep
}

// auditStore makes a store with five entries, two written alone and three
// in one transaction, and closes it.
func auditStore(t *testing.T) (string, []AuditEntry) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lathe.db")
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	es := []*AuditEntry{auditEntry(1), auditEntry(2), auditEntry(3), auditEntry(4), auditEntry(5)}
	appendAudit(t, db, es[0])
	appendAudit(t, db, es[1])
	appendAudit(t, db, es[2:]...)
	out := make([]AuditEntry, len(es))
	for i, e := range es {
		out[i] = *e
	}
	return path, out
}

// verifyFile opens the store at path and verifies it, by AuditVerify and
// by Check.
func verifyFile(t *testing.T, path string) (AuditReport, CheckReport) {
	t.Helper()
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rep AuditReport
	var chk CheckReport
	update(t, db, func(tx *Tx) error {
		rep, chk = tx.AuditVerify(), tx.Check(nil)
		return nil
	})
	return rep, chk
}

// tamper edits the closed store's file through bbolt, as someone who
// knows its layout would.
func tamper(t *testing.T, path string, fn func(audit, meta *bolt.Bucket) error) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(btx *bolt.Tx) error {
		return fn(btx.Bucket(bucketAudit), btx.Bucket(bucketMeta))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// forge rewrites entry e of the chain as a forger who knows the scheme
// would: its hash recomputed.
func forge(t *testing.T, audit *bolt.Bucket, e AuditEntry) string {
	t.Helper()
	var err error
	if e.Hash, err = e.hash(); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(&e)
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.Put(auditKey(e.Seq), raw); err != nil {
		t.Fatal(err)
	}
	return e.Hash
}

func headLine(seq uint64, hash string) string { return auditHead{seq: seq, hash: hash}.String() + "\n" }

func TestAuditAppendAndRead(t *testing.T) {
	path, written := auditStore(t)
	for i, e := range written {
		if e.Seq != uint64(i+1) || len(e.Hash) != 64 {
			t.Fatalf("entry %d: seq %d hash %q", i+1, e.Seq, e.Hash)
		}
		if prev := ""; i > 0 && e.Prev != written[i-1].Hash || i == 0 && e.Prev != prev {
			t.Fatalf("entry %d: prev %q", e.Seq, e.Prev)
		}
		if e.Time.Location() != time.UTC || !e.Time.Equal(auditEntry(i+1).Time) {
			t.Fatalf("entry %d: time %v, want %v in UTC", e.Seq, e.Time, auditEntry(i+1).Time)
		}
	}
	if got, want := written[0].Details["approvals"], any(float64(1)); got != want {
		t.Fatalf("details are not as JSON reads them: approvals %#v", got)
	}

	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep := verifyAudit(t, db)
	if want := (AuditReport{Entries: 5, Head: written[4].Hash, OK: true}); rep != want {
		t.Fatalf("verify: %+v, want %+v", rep, want)
	}
	err = db.View(func(tx *Tx) error {
		all, err := tx.AuditEntries(nil)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(all, written) {
			t.Errorf("read back:\n%+v\nwritten:\n%+v", all, written)
		}
		some, err := tx.AuditEntries(func(e *AuditEntry) bool { return e.Version%2 == 0 })
		if err != nil {
			return err
		}
		if len(some) != 2 || some[0].Seq != 2 || some[1].Seq != 4 {
			t.Errorf("kept %+v, want entries 2 and 4", some)
		}
		if got := string(tx.bucket(bucketMeta).Get(keyAuditHead)); got != "5 "+written[4].Hash {
			t.Errorf("meta audit_head %q", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	head, err := os.ReadFile(path + ".audit-head")
	if err != nil || string(head) != headLine(5, written[4].Hash) {
		t.Fatalf("head file %q, %v", head, err)
	}
	if _, err := os.Stat(path + ".audit-head.tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the head file's temporary is left: %v", err)
	}
}

// An entry read back from JSON, or exported and read again, hashes as it
// was written: what JSON cannot keep (an int's type, digits past float64's
// precision, a store.Float NaN) is made what JSON reads before hashing.
func TestAuditEntryRoundTripsItsHash(t *testing.T) {
	db := openTemp(t)
	e := &AuditEntry{
		Actor: "ana", Action: "register", Model: "churn", Version: 3,
		Details: map[string]any{
			"version": 3,
			"big":     int64(1)<<53 + 1,
			"small":   uint8(7),
			"ints":    []int{1, 2, 3},
			"metric":  Float(math.NaN()),
			"when":    time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
			"tiny":    1e-9,
			"huge":    1e300,
			"nested":  map[string]any{"z": 1, "a": []any{"x", 2.5, false, nil}},
			"unicode": "é\u2028<>&",
		},
	}
	appendAudit(t, db, e)
	if e.Time.IsZero() || e.Time.Location() != time.UTC {
		t.Fatalf("time %v: want now, in UTC", e.Time)
	}
	want := map[string]any{"version": 3.0, "big": float64(1 << 53), "small": 7.0, "ints": []any{1.0, 2.0, 3.0},
		"metric": "NaN", "when": "2026-01-02T03:04:05.000000006Z", "tiny": 1e-9, "huge": 1e300,
		"nested": map[string]any{"z": 1.0, "a": []any{"x", 2.5, false, nil}}, "unicode": "é\u2028<>&"}
	if !reflect.DeepEqual(e.Details, want) {
		t.Fatalf("details as written:\n%#v\nwant\n%#v", e.Details, want)
	}
	var got []AuditEntry
	err := db.View(func(tx *Tx) (err error) { got, err = tx.AuditEntries(nil); return err })
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], *e) {
		t.Fatalf("read back %+v, %v; want %+v", got, err, *e)
	}
	// Exported as JSON and read again, elsewhere.
	exported, err := json.Marshal(got[0])
	if err != nil {
		t.Fatal(err)
	}
	var imported AuditEntry
	if err := json.Unmarshal(exported, &imported); err != nil {
		t.Fatal(err)
	}
	if hash, err := imported.hash(); err != nil || hash != e.Hash {
		t.Fatalf("the imported entry hashes to %s (%v), was written as %s", hash, err, e.Hash)
	}
	if rep := verifyAudit(t, db); !rep.OK {
		t.Fatalf("verify: %+v", rep)
	}
}

func TestAuditRejectsWhatJSONCannotHold(t *testing.T) {
	db := openTemp(t)
	for name, e := range map[string]*AuditEntry{
		"no actor":  {Action: "promote"},
		"no action": {Actor: "ana"},
		"NaN":       {Actor: "ana", Action: "promote", Details: map[string]any{"delta": math.NaN()}},
		"infinity":  {Actor: "ana", Action: "promote", Details: map[string]any{"x": []any{math.Inf(-1)}}},
		"channel":   {Actor: "ana", Action: "promote", Details: map[string]any{"c": make(chan int)}},
		"year 10000": {Actor: "ana", Action: "promote",
			Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		err := db.Update(context.Background(), func(tx *Tx) error { return tx.AppendAudit(e) })
		if !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	// A transaction rolled back leaves no entry and no head file.
	err := db.Update(context.Background(), func(tx *Tx) error {
		if err := tx.AppendAudit(auditEntry(1)); err != nil {
			return err
		}
		return errors.New("the promotion failed after all")
	})
	if err == nil {
		t.Fatal("the failing update succeeded")
	}
	if _, err := os.Stat(db.Path() + ".audit-head"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("head file of a rolled-back entry: %v", err)
	}
	e := auditEntry(1)
	appendAudit(t, db, e)
	if e.Seq != 1 || e.Prev != "" {
		t.Fatalf("first entry after the failures: seq %d prev %q", e.Seq, e.Prev)
	}
	if rep := verifyAudit(t, db); rep != (AuditReport{Entries: 1, Head: e.Hash, OK: true}) {
		t.Fatalf("verify: %+v", rep)
	}
}

// A store with no audit log verifies, and says it has no entries.
func TestAuditEmpty(t *testing.T) {
	db := openTemp(t)
	if rep := verifyAudit(t, db); rep != (AuditReport{OK: true}) {
		t.Fatalf("verify: %+v", rep)
	}
	update(t, db, func(tx *Tx) error {
		if rep := tx.Check(nil); len(rep.Problems) > 0 || rep.AuditEntries != 0 {
			t.Errorf("check: %+v", rep)
		}
		return nil
	})
}

// Every way of editing the file (or the head file) is seen, and the first
// entry that is not as written named.
func TestAuditVerifyFindsTampering(t *testing.T) {
	for _, tc := range []struct {
		name     string
		file     func(path string, es []AuditEntry, audit, meta *bolt.Bucket) error
		head     func(headPath string, es []AuditEntry) error
		firstBad uint64
		problem  string
	}{{
		name: "an entry's content changed",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			v := bytes.Replace(audit.Get(auditKey(3)), []byte("user3"), []byte("user9"), 1)
			return audit.Put(auditKey(3), v)
		},
		firstBad: 3, problem: "entry 3 was altered: its content does not match its hash",
	}, {
		name: "an entry's hash changed",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			v := bytes.Replace(audit.Get(auditKey(2)), []byte(es[1].Hash[:8]), []byte("00000000"), 1)
			return audit.Put(auditKey(2), v)
		},
		firstBad: 2, problem: "entry 2 was altered",
	}, {
		name: "an entry stored in another form, same content",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			raw, err := json.MarshalIndent(es[3], "", " ")
			if err != nil {
				return err
			}
			return audit.Put(auditKey(4), raw)
		},
		firstBad: 4, problem: "entry 4 was altered: it is not stored as it was written",
	}, {
		name: "an entry under another's key",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			return audit.Put(auditKey(3), bytes.Clone(audit.Get(auditKey(4))))
		},
		firstBad: 3, problem: "entry 3 says it is entry 4",
	}, {
		name: "an entry that does not read",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			return audit.Put(auditKey(2), []byte(`{"seq":2,`))
		},
		firstBad: 2, problem: "entry 2 does not read",
	}, {
		name: "an entry deleted",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			return audit.Delete(auditKey(3))
		},
		firstBad: 3, problem: "entry 3 is missing (the chain goes from 2 to 4)",
	}, {
		name: "two entries deleted",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			audit.Delete(auditKey(2))
			return audit.Delete(auditKey(3))
		},
		firstBad: 2, problem: "entries 2 to 3 are missing (the chain goes from 1 to 4)",
	}, {
		name: "the first entry deleted",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			return audit.Delete(auditKey(1))
		},
		firstBad: 1, problem: "entry 1 is missing (the chain begins at 2)",
	}, {
		name: "an entry rewritten with its hash recomputed",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			e := es[2]
			e.Actor = "mallory"
			forge(t, audit, e)
			return nil
		},
		firstBad: 4, problem: "entry 4 does not follow entry 3 (its prev is " + "%s", // filled below
	}, {
		name: "the first entry rewritten to follow another",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			e := es[0]
			e.Prev = es[4].Hash
			forge(t, audit, e)
			return nil
		},
		firstBad: 1, problem: "entry 1 names an entry before it",
	}, {
		name: "the end cut off, the meta head left",
		file: func(_ string, es []AuditEntry, audit, _ *bolt.Bucket) error {
			audit.Delete(auditKey(5))
			return audit.Delete(auditKey(4))
		},
		firstBad: 4, problem: "the chain ends at 3, the store's record of its head says 5: entries were removed from its end",
	}, {
		name: "the end cut off by a careful forger",
		file: func(_ string, es []AuditEntry, audit, meta *bolt.Bucket) error {
			audit.Delete(auditKey(5))
			audit.Delete(auditKey(4))
			return meta.Put(keyAuditHead, []byte("3 "+es[2].Hash))
		},
		firstBad: 4, problem: "the chain ends at 3, its head file %s says 5: entries were removed from its end",
	}, {
		name: "the last entry rewritten by a careful forger",
		file: func(_ string, es []AuditEntry, audit, meta *bolt.Bucket) error {
			e := es[4]
			e.Details = map[string]any{"approvals": 9.0}
			hash := forge(t, audit, e)
			return meta.Put(keyAuditHead, []byte("5 "+hash))
		},
		firstBad: 5, problem: "entry 5's hash is not the one its head file %s records: the chain was rewritten from there",
	}, {
		name: "entries added by a careful forger",
		file: func(_ string, es []AuditEntry, audit, meta *bolt.Bucket) error {
			e := AuditEntry{Seq: 6, Time: es[4].Time, Actor: "mallory", Action: "approve", Prev: es[4].Hash}
			hash := forge(t, audit, e)
			return meta.Put(keyAuditHead, []byte("6 "+hash))
		},
		// A head file behind is what a crash leaves: that is a note, not
		// a problem (see TestAuditHeadFileBehind).
	}, {
		name: "the whole log removed",
		file: func(_ string, es []AuditEntry, audit, meta *bolt.Bucket) error {
			return errors.Join(meta.Delete(keyAuditHead), meta.Tx().DeleteBucket(bucketAudit))
		},
		firstBad: 1, problem: "the chain ends at 0, its head file %s says 5",
	}, {
		name: "the meta head removed",
		file: func(_ string, es []AuditEntry, audit, meta *bolt.Bucket) error {
			return meta.Delete(keyAuditHead)
		},
		firstBad: 6, problem: "the store keeps no record of the chain's head, though it holds 5 entries",
	}, {
		name:     "the head file removed",
		head:     func(headPath string, _ []AuditEntry) error { return os.Remove(headPath) },
		firstBad: 6, problem: "the chain's head file %s is missing",
	}, {
		name: "the head file garbled",
		head: func(headPath string, _ []AuditEntry) error {
			return os.WriteFile(headPath, []byte("5 not-a-hash\n"), 0o600)
		},
		firstBad: 6, problem: "the chain's head file: %s: \"5 not-a-hash\\n\" is not a sequence number and a hash",
	}, {
		name: "the head file behind, with a wrong hash",
		head: func(headPath string, es []AuditEntry) error {
			return os.WriteFile(headPath, []byte(headLine(3, es[1].Hash)), 0o600)
		},
		firstBad: 3, problem: "entry 3's hash is not the one its head file %s records",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			path, es := auditStore(t)
			headPath := path + ".audit-head"
			if tc.file != nil {
				tamper(t, path, func(audit, meta *bolt.Bucket) error { return tc.file(path, es, audit, meta) })
			}
			if tc.head != nil {
				if err := tc.head(headPath, es); err != nil {
					t.Fatal(err)
				}
			}
			rep, chk := verifyFile(t, path)
			if tc.problem == "" {
				if !rep.OK || rep.Note == "" {
					t.Fatalf("verify: %+v, want OK with a note", rep)
				}
				return
			}
			problem := tc.problem
			switch {
			case strings.Contains(problem, "its prev is"):
				problem = fmt.Sprintf(problem, es[3].Prev[:12])
			case strings.Contains(problem, "%s"):
				problem = fmt.Sprintf(problem, headPath)
			}
			if rep.OK || rep.FirstBad != tc.firstBad || !strings.HasPrefix(rep.Problem, problem) {
				t.Fatalf("verify: %+v\nwant first bad %d, problem %q…", rep, tc.firstBad, problem)
			}
			if len(chk.Problems) != 1 || chk.Problems[0] != "audit log: "+rep.Problem {
				t.Fatalf("check: %q", chk.Problems)
			}
		})
	}
}

// Whichever byte of an entry is changed, that entry is named.
func TestAuditVerifyFindsAnyByteChanged(t *testing.T) {
	path, _ := auditStore(t)
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	var stored []byte
	bdb.View(func(btx *bolt.Tx) error {
		stored = bytes.Clone(btx.Bucket(bucketAudit).Get(auditKey(3)))
		return nil
	})
	for i := range stored {
		for _, flip := range []byte{0x01, 0x20} {
			btx, err := bdb.Begin(true)
			if err != nil {
				t.Fatal(err)
			}
			v := bytes.Clone(stored)
			v[i] ^= flip
			if err := btx.Bucket(bucketAudit).Put(auditKey(3), v); err != nil {
				t.Fatal(err)
			}
			rep := (&Tx{btx: btx}).AuditVerify()
			btx.Rollback()
			if rep.OK || rep.FirstBad != 3 {
				t.Fatalf("byte %d (%q) xor %#x: %+v", i, stored[i], flip, rep)
			}
		}
	}
}

// A crash between a commit and the head file's write leaves the file
// behind the chain: that is sound, with a note, and the next entry brings
// the file up to date.
func TestAuditHeadFileBehind(t *testing.T) {
	path, es := auditStore(t)
	headPath := path + ".audit-head"
	if err := os.WriteFile(headPath, []byte(headLine(2, es[1].Hash)), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, chk := verifyFile(t, path)
	if !rep.OK || rep.Entries != 5 || rep.Head != es[4].Hash || !strings.Contains(rep.Note, "names entry 2, the chain goes on to 5") {
		t.Fatalf("verify: %+v", rep)
	}
	if len(chk.Problems) > 0 || chk.AuditEntries != 5 {
		t.Fatalf("check: %+v", chk)
	}
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := auditEntry(6)
	appendAudit(t, db, e)
	if rep := verifyAudit(t, db); rep != (AuditReport{Entries: 6, Head: e.Hash, OK: true}) {
		t.Fatalf("after the next entry: %+v", rep)
	}
}

// The head file is the evidence of a chain cut short: an entry appended
// after the cut does not overwrite it. Removing it accepts the chain as
// it is.
func TestAuditHeadFileKeptWhenItDisagrees(t *testing.T) {
	path, es := auditStore(t)
	headPath := path + ".audit-head"
	tamper(t, path, func(audit, meta *bolt.Bucket) error {
		audit.Delete(auditKey(5))
		audit.Delete(auditKey(4))
		return meta.Put(keyAuditHead, []byte("3 "+es[2].Hash))
	})
	db, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	appendAudit(t, db, auditEntry(4))
	rep := verifyAudit(t, db)
	if rep.OK || rep.FirstBad != 5 || !strings.HasPrefix(rep.Problem, "the chain ends at 4, its head file") {
		t.Fatalf("verify after an entry on a cut chain: %+v", rep)
	}
	if head, err := os.ReadFile(headPath); err != nil || string(head) != headLine(5, es[4].Hash) {
		t.Fatalf("head file %q, %v: want it kept", head, err)
	}

	if err := os.Remove(headPath); err != nil {
		t.Fatal(err)
	}
	e := auditEntry(5)
	appendAudit(t, db, e)
	if rep := verifyAudit(t, db); rep != (AuditReport{Entries: 5, Head: e.Hash, OK: true}) {
		t.Fatalf("after the head file was removed and an entry written: %+v", rep)
	}
}

// A compaction copies the log, and the head file beside the store still
// vouches for it.
func TestAuditSurvivesCompaction(t *testing.T) {
	db := openTemp(t)
	for i := 1; i <= 3; i++ {
		appendAudit(t, db, auditEntry(i))
	}
	// Pages to give back, so that the compacted file takes the store's
	// place.
	scratch := []byte("scratch")
	update(t, db, func(tx *Tx) error {
		b, err := tx.btx.CreateBucket(scratch)
		if err != nil {
			return err
		}
		for i := range 2000 {
			if err := b.Put(auditKey(uint64(i)), make([]byte, 4096)); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, db, func(tx *Tx) error { return tx.btx.DeleteBucket(scratch) })
	before := verifyAudit(t, db)

	res, err := db.Compact(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.After >= res.Before {
		t.Fatalf("the compacted file did not take the store's place: %+v", res)
	}
	if rep := verifyAudit(t, db); rep != before || !rep.OK || rep.Entries != 3 {
		t.Fatalf("after compaction: %+v, before %+v", rep, before)
	}
	e := auditEntry(4)
	appendAudit(t, db, e)
	if rep := verifyAudit(t, db); rep != (AuditReport{Entries: 4, Head: e.Hash, OK: true}) {
		t.Fatalf("an entry after compaction: %+v", rep)
	}
}

// A compaction's check of its new file compares the chain with the store's
// head file, so a store whose log fails verification is not compacted.
func TestAuditCompactionChecksTheStoresHeadFile(t *testing.T) {
	db := openTemp(t)
	appendAudit(t, db, auditEntry(1))
	if err := os.WriteFile(db.Path()+".audit-head", []byte(headLine(2, strings.Repeat("ab", 32))), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Compact(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "the chain ends at 1") {
		t.Fatalf("compact: %v", err)
	}
}

// Appends from many goroutines, grouped as the writer groups them, get
// consecutive numbers and one chain.
func TestAuditConcurrentAppends(t *testing.T) {
	db := openTemp(t)
	const n = 64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- db.Update(context.Background(), func(tx *Tx) error { return tx.AppendAudit(auditEntry(i)) })
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var all []AuditEntry
	if err := db.View(func(tx *Tx) (err error) { all, err = tx.AuditEntries(nil); return err }); err != nil {
		t.Fatal(err)
	}
	actors := map[string]bool{}
	for i, e := range all {
		if e.Seq != uint64(i+1) {
			t.Fatalf("entry %d has seq %d", i+1, e.Seq)
		}
		actors[e.Actor] = true
	}
	if len(all) != n || len(actors) != n {
		t.Fatalf("%d entries of %d actors, want %d", len(all), len(actors), n)
	}
	if rep := verifyAudit(t, db); rep != (AuditReport{Entries: n, Head: all[n-1].Hash, OK: true}) {
		t.Fatalf("verify: %+v", rep)
	}
	if head, err := os.ReadFile(db.Path() + ".audit-head"); err != nil || string(head) != headLine(n, all[n-1].Hash) {
		t.Fatalf("head file %q, %v", head, err)
	}
}
