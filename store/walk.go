package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// The page tree is checked here as bbolt would walk it, but with ReadAt
// (never through the memory map) and each page once: bbolt trusts the
// tree, so a damaged branch page that points back up sends its cursor down
// forever, and a freelist naming live pages hands them out again.

// bbolt's page layout: a 16-byte header (id, flags, count, overflow), then
// 16-byte elements (branch: pos, ksize, child id; leaf: flags, pos, ksize,
// vsize), each element's pos counted from the element itself.
const (
	pageBranch   = 0x01
	pageLeaf     = 0x02
	pageFreelist = 0x10
	elemLen      = 16
	leafBucket   = 0x01
	metaRootOff  = 16
	metaFreeOff  = 32
	maxTreeDepth = 64
)

// boltMeta is what lathe reads of a file's newest valid meta page.
type boltMeta struct {
	pageSize            uint64
	root, freelist, hwm uint64
	txid                uint64
}

// readMeta returns the newest meta page with a valid checksum.
func readMeta(f *os.File) (boltMeta, bool, error) {
	var best boltMeta
	ok := false
	var pageSize uint64
	for i := range 2 {
		off := int64(0)
		if i == 1 {
			if pageSize == 0 {
				pageSize = 4096
			}
			off = int64(pageSize)
		}
		var buf [boltPageHeader + metaLen]byte
		if _, err := f.ReadAt(buf[:], off); err != nil && !errors.Is(err, io.EOF) {
			return best, false, err
		}
		m := buf[boltPageHeader:]
		if binary.LittleEndian.Uint32(m) != boltMagic {
			continue
		}
		h := fnv.New64a()
		h.Write(m[:metaChecksumOff])
		if h.Sum64() != binary.LittleEndian.Uint64(m[metaChecksumOff:]) {
			continue
		}
		ps := uint64(binary.LittleEndian.Uint32(m[metaPageSizeOff:]))
		if i == 0 {
			pageSize = ps
		}
		txid := binary.LittleEndian.Uint64(m[metaTxidOff:])
		if !ok || txid > best.txid {
			ok = true
			best = boltMeta{pageSize: ps, root: binary.LittleEndian.Uint64(m[metaRootOff:]),
				freelist: binary.LittleEndian.Uint64(m[metaFreeOff:]), hwm: binary.LittleEndian.Uint64(m[metaPgidOff:]), txid: txid}
		}
	}
	return best, ok, nil
}

// walker reads a file's pages.
type walker struct {
	f       *os.File
	meta    boltMeta
	visited map[uint64]bool
	// bad is why each bucket's tree is damaged, by its path; "" is the
	// tree of the buckets themselves.
	bad map[string]string
}

// walkTree checks every page of the file's tree once. It returns the
// damaged buckets by path (empty: none).
func walkTree(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	meta, ok, err := readMeta(f)
	if err != nil {
		return nil, err
	}
	if !ok || meta.pageSize < 512 || meta.pageSize > 1<<20 {
		return nil, fmt.Errorf("%w: %s has no valid header", ErrDamaged, path)
	}
	w := &walker{f: f, meta: meta, visited: map[uint64]bool{}, bad: map[string]string{}}
	w.page(meta.root, "", 0)
	return w.bad, nil
}

// page checks the page id and what it reaches, for the bucket at path.
func (w *walker) page(id uint64, path string, depth int) {
	if w.bad[path] != "" {
		return
	}
	fail := func(format string, args ...any) { w.bad[path] = fmt.Sprintf(format, args...) }
	switch {
	case depth > maxTreeDepth:
		fail("its tree is deeper than %d pages", maxTreeDepth)
		return
	case id < 2 || id >= w.meta.hwm:
		fail("page %d is outside the file's %d pages", id, w.meta.hwm)
		return
	case w.visited[id]:
		fail("page %d is reached twice (a cycle, or two owners)", id)
		return
	}
	var hdr [boltPageHeader]byte
	if _, err := w.f.ReadAt(hdr[:], int64(id*w.meta.pageSize)); err != nil {
		fail("page %d cannot be read: %v", id, err)
		return
	}
	flags := binary.LittleEndian.Uint16(hdr[8:])
	count := int(binary.LittleEndian.Uint16(hdr[10:]))
	overflow := uint64(binary.LittleEndian.Uint32(hdr[12:]))
	if binary.LittleEndian.Uint64(hdr[:]) != id || id+overflow >= w.meta.hwm {
		fail("page %d does not say it is page %d, or runs past the file", id, id)
		return
	}
	for p := id; p <= id+overflow; p++ {
		w.visited[p] = true
	}
	buf := make([]byte, (1+overflow)*w.meta.pageSize)
	if _, err := w.f.ReadAt(buf, int64(id*w.meta.pageSize)); err != nil {
		fail("page %d cannot be read: %v", id, err)
		return
	}
	if boltPageHeader+count*elemLen > len(buf) {
		fail("page %d has %d elements, more than it holds", id, count)
		return
	}
	switch flags {
	case pageBranch:
		for i := range count {
			e := boltPageHeader + i*elemLen
			w.page(binary.LittleEndian.Uint64(buf[e+8:]), path, depth+1)
		}
	case pageLeaf:
		w.leaf(buf, count, path, depth, fail)
	default:
		fail("page %d is of no kind a tree holds (flags %#x)", id, flags)
	}
}

// leaf checks a leaf's elements, and walks the buckets it holds.
func (w *walker) leaf(buf []byte, count int, path string, depth int, fail func(string, ...any)) {
	for i := range count {
		e := boltPageHeader + i*elemLen
		flags := binary.LittleEndian.Uint32(buf[e:])
		pos := int(binary.LittleEndian.Uint32(buf[e+4:]))
		ksize := int(binary.LittleEndian.Uint32(buf[e+8:]))
		vsize := int(binary.LittleEndian.Uint32(buf[e+12:]))
		start := e + pos
		if pos < 0 || ksize < 0 || vsize < 0 || start < e || start+ksize+vsize > len(buf) || start+ksize+vsize < start {
			fail("an element of a leaf lies outside its page")
			return
		}
		if flags&leafBucket == 0 {
			continue
		}
		key := buf[start : start+ksize]
		val := buf[start+ksize : start+ksize+vsize]
		sub := path + "/" + fmt.Sprintf("%q", key)
		if len(val) < 16 {
			w.bad[sub] = "its bucket header is cut short"
			continue
		}
		if root := binary.LittleEndian.Uint64(val); root != 0 {
			w.page(root, sub, depth+1)
		} else if why := inlinePage(val[16:]); why != "" {
			w.bad[sub] = why
		}
	}
}

// inlinePage checks a bucket kept inside its parent's leaf: one leaf page
// of plain keys (bbolt never inlines a bucket that holds buckets), its
// elements within it. A branch here would send bbolt to pages it names.
func inlinePage(p []byte) string {
	if len(p) < boltPageHeader {
		return "its inline page is cut short"
	}
	count := int(binary.LittleEndian.Uint16(p[10:]))
	if flags := binary.LittleEndian.Uint16(p[8:]); flags != pageLeaf {
		return fmt.Sprintf("its inline page is no leaf (flags %#x)", flags)
	}
	if boltPageHeader+count*elemLen > len(p) {
		return "its inline page has more elements than it holds"
	}
	for i := range count {
		e := boltPageHeader + i*elemLen
		flags := binary.LittleEndian.Uint32(p[e:])
		start := e + int(binary.LittleEndian.Uint32(p[e+4:]))
		end := start + int(binary.LittleEndian.Uint32(p[e+8:])) + int(binary.LittleEndian.Uint32(p[e+12:]))
		if flags&leafBucket != 0 || start < e || end < start || end > len(p) {
			return "an element of its inline page lies outside it"
		}
	}
	return ""
}

// treeDamaged says why the bucket at path, or one it is in, is damaged.
func treeDamaged(bad map[string]string, path [][]byte) string {
	p := ""
	if why := bad[p]; why != "" {
		return why
	}
	for _, name := range path {
		p += "/" + fmt.Sprintf("%q", name)
		if why := bad[p]; why != "" {
			return why
		}
	}
	return ""
}

// pgidNoFreelist is the freelist id of a file whose freelist is not synced.
const pgidNoFreelist = ^uint64(0)

// checkFreelist reads the freelist the meta page names and checks it
// cheaply: a freelist page, within the file, of page ids past the meta
// pages and before the end, in order and each once. A freelist that names
// a live page would have bbolt write over it; a full walk (walkTree)
// finds that, this finds the rest at every open, before anything writes.
func checkFreelist(f *os.File, meta boltMeta) error {
	if meta.freelist == pgidNoFreelist {
		return nil
	}
	if meta.freelist < 2 || meta.freelist >= meta.hwm {
		return fmt.Errorf("the freelist page %d is outside the file's %d pages", meta.freelist, meta.hwm)
	}
	var hdr [boltPageHeader + 8]byte
	if _, err := f.ReadAt(hdr[:], int64(meta.freelist*meta.pageSize)); err != nil {
		return fmt.Errorf("the freelist cannot be read: %v", err)
	}
	flags := binary.LittleEndian.Uint16(hdr[8:])
	count := uint64(binary.LittleEndian.Uint16(hdr[10:]))
	overflow := uint64(binary.LittleEndian.Uint32(hdr[12:]))
	if binary.LittleEndian.Uint64(hdr[:]) != meta.freelist || flags != pageFreelist || meta.freelist+overflow >= meta.hwm {
		return fmt.Errorf("page %d is not the freelist the header names", meta.freelist)
	}
	buf := make([]byte, (1+overflow)*meta.pageSize)
	if _, err := f.ReadAt(buf, int64(meta.freelist*meta.pageSize)); err != nil {
		return fmt.Errorf("the freelist cannot be read: %v", err)
	}
	ids := buf[boltPageHeader:]
	if count == 0xFFFF { // the count did not fit: it is the first id
		count = binary.LittleEndian.Uint64(ids)
		ids = ids[8:]
	}
	if count > uint64(len(ids)/8) {
		return fmt.Errorf("the freelist says it holds %d pages, more than its page", count)
	}
	prev := uint64(1)
	for i := range count {
		id := binary.LittleEndian.Uint64(ids[i*8:])
		if id <= prev || id >= meta.hwm {
			return fmt.Errorf("the freelist names page %d, out of order or outside the file's %d pages", id, meta.hwm)
		}
		prev = id
	}
	return nil
}
