package store

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// recoverPanic, deferred, turns a panic inside a transaction into an error,
// so that neither a damaged file nor a bug takes the process down. A panic
// that says the file is damaged (damaged) gives ErrDamaged; any other is a
// bug, and gives a *PanicError with the stack of the panic. Callers also set
// debug.SetPanicOnFault, so that a fault on a bad page of the mapped file
// panics instead of killing the process.
func recoverPanic(err *error) {
	v := recover()
	switch {
	case v == nil:
	case damaged(v, panicSite()):
		*err = fmt.Errorf("%w: a page of the file cannot be read (%v)", ErrDamaged, v)
	default:
		*err = &PanicError{Value: v, Stack: debug.Stack()}
	}
}

// damaged reports whether a panic says the file is damaged. v is the
// panic's value and site the function that panicked. It is damage when it
// is
//   - a fault on a non-nil address: under SetPanicOnFault only a read of the
//     mapped file gives one (a page beyond the end of a truncated file);
//   - a runtime error other than a nil dereference raised in bbolt's code:
//     a page whose counts or offsets are wrong makes bbolt slice past what
//     it mapped ("slice bounds out of range [::3881494997]");
//   - a panic of this package's own that wraps ErrDamaged;
//   - one of bbolt's own panics about pages, page ids or the freelist
//     (bboltDamage).
//
// Anything else (a nil map written to, a nil dereference, a panic(err) in a
// function given to Update) is a bug.
func damaged(v any, site string) bool {
	if e, ok := v.(runtime.Error); ok {
		if _, fault := e.(interface{ Addr() uintptr }); fault {
			return true
		}
		inBbolt := strings.HasPrefix(site, "go.etcd.io/bbolt.") || strings.HasPrefix(site, "go.etcd.io/bbolt/")
		return inBbolt && !strings.Contains(e.Error(), "nil pointer dereference")
	}
	var msg string
	switch v := v.(type) {
	case error:
		if errors.Is(v, ErrDamaged) {
			return true
		}
		msg = v.Error()
	case string:
		msg = v
	default:
		return false
	}
	for _, s := range bboltDamage {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// panicSite names the function that panicked, as runtime.Frame.Function
// does, when called from a deferred function while a panic unwinds: the
// first function under runtime.gopanic that is not the runtime's.
func panicSite() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			inPanic = true
		case inPanic && !strings.HasPrefix(f.Function, "runtime."):
			return f.Function
		}
		if !more {
			return ""
		}
	}
}

// bboltDamage are the panics of bbolt (v1.5.0) that read a page unlike what
// it should be. Its other panics and assertions are a misuse of it (a
// transaction used after it ended), which is a bug.
var bboltDamage = []string{
	// Pages and page ids (bucket.go, cursor.go, node.go, db.go,
	// internal/common).
	"above high water mark",         // a page id past the end of the file
	"invalid page type",             // cursor.go
	"Page expected to be",           // a page that is another
	"has unexpected type/flags",     // page.go
	"invalid meta pages",            // db.go
	"misplaced bucket header",       // bucket.go
	"unexpected bucket header flag", // bucket.go
	"for an inline bucket",          // "The page ID (%d) isn't 0 for an inline bucket"
	"inline bucket non-zero page access",
	"invalid childAt",         // a leaf read as a branch
	"inode overflow",          // more elements than a page holds
	"zero-length",             // a key of no bytes (node.go, inode.go)
	"expected branch node",    // cursor.go
	"expected leaf node",      // cursor.go
	"into a not empty page",   // node.go
	"at least 2 children",     // node.go
	"circular dependency",     // inode.go: a branch that points at itself
	"isn't correctly mapped",  // db.go
	"check fail",              // tx.go, in strict mode
	"leading element count",   // page.go: a freelist's count
	"non-freelist page",       // page.go
	"invalid freelist page",   // freelist
	"mergepgids bad len",      // page.go
	"invalid page allocation", // freelist
	"duplicated free",         // "detected duplicated free (page) ID"
	"overlapped free page",    // freelist
	"pgids not sorted",        // freelist
	"out of sync with free",   // freelist
	"Detected mismatch",       // freelist
	"cannot free page 0 or 1", // freelist
	"allocated by the same transaction",
	"already freed", // freelist
	"freepages:",    // db.go: reachable pages unreadable
}
