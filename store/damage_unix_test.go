//go:build unix

package store

import (
	"errors"
	"syscall"
	"testing"
	"unsafe"
)

// A fault on a mapped page that is gone (as when the file was cut short
// under bbolt's mapping) gives ErrDamaged, not a crash.
func TestFaultIsDamage(t *testing.T) {
	db := openTemp(t)
	mem, err := syscall.Mmap(-1, 0, syscall.Getpagesize(), syscall.PROT_READ, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip(err)
	}
	p := unsafe.Pointer(&mem[0])
	if err := syscall.Munmap(mem); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(*Tx) error {
		_ = *(*byte)(p)
		return nil
	})
	if !errors.Is(err, ErrDamaged) || errors.Is(err, ErrInternal) {
		t.Fatalf("err = %v", err)
	}
}
