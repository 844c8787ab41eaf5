package engine

import (
	"cmp"
	"context"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"lathe/engine/api"
	"lathe/engine/filter"
	"lathe/store"
)

// catalogue holds what filters and sorts read of every run — its names,
// status, times, GPUs, params, tags and metric summaries — in memory, so
// that a query over 100 000 runs decodes no record and opens no series.
// It is loaded in the background when the engine opens, and kept true by
// the store's watcher: a run a transaction wrote is read again before the
// next query.
//
// It is laid out by column: a run is a row, and each param, tag and metric
// name has a column of values by row. A filter over 100 000 runs reads the
// few columns it names from end to end, which the processor streams from
// memory, rather than every run's own list of names.
type catalogue struct {
	mu      sync.Mutex // held by a query, and by the load
	rows    []row
	byID    map[string]int32
	order   []int32 // rows newest first, while sorted
	sorted  bool
	params  map[string]*textColumn
	tags    map[string]*textColumn
	metrics map[string]*metricColumn
	strs    map[string]string // interned values

	dirtyMu sync.Mutex
	dirty   map[string]bool

	loaded  chan struct{} // closed once the first load is done
	loadErr error
}

// row is a run's own fields. Times are Unix nanoseconds, 0 when unset; a
// purged run's row has no id and is in no order.
type row struct {
	id, name, experiment string
	status               store.Status
	created, started     int64
	ended, deleted       int64
	gpus                 int32
}

// column holds one param's, tag's or metric's values by row: a map while
// few runs have it, a slice once many do (a store of many runs with many
// names each would not fit as slices).
type column[T any] struct {
	sparse map[int32]T
	dense  []T
	has    []bool
}

func newColumn[T any]() *column[T] { return &column[T]{sparse: map[int32]T{}} }

func (c *column[T]) get(i int32) (T, bool) {
	if c.sparse != nil {
		v, ok := c.sparse[i]
		return v, ok
	}
	if int(i) < len(c.has) && c.has[i] {
		return c.dense[i], true
	}
	var zero T
	return zero, false
}

// set gives row i of rows a value.
func (c *column[T]) set(i int32, v T, rows int) {
	if c.sparse != nil {
		c.sparse[i] = v
		if len(c.sparse) > 64 && len(c.sparse) > rows/16 {
			c.dense, c.has = make([]T, rows), make([]bool, rows)
			for j, x := range c.sparse {
				c.dense[j], c.has[j] = x, true
			}
			c.sparse = nil
		}
		return
	}
	if int(i) >= len(c.has) {
		n := max(int(i)+1, rows)
		c.dense, c.has = slices.Grow(c.dense, n-len(c.dense))[:n], slices.Grow(c.has, n-len(c.has))[:n]
	}
	c.dense[i], c.has[i] = v, true
}

func (c *column[T]) clear(i int32) {
	if c.sparse != nil {
		delete(c.sparse, i)
	} else if int(i) < len(c.has) {
		var zero T
		c.has[i], c.dense[i] = false, zero
	}
}

// metricValue is a metric's summary in one run.
type metricValue struct {
	last, min, max float64
	count          int64
}

// of is the summary's value a field reads (metrics.NAME.min…).
func (m metricValue) of(agg filter.Agg) float64 {
	switch agg {
	case filter.Min:
		return m.min
	case filter.Max:
		return m.max
	case filter.Count:
		return float64(m.count)
	}
	return m.last
}

type (
	textColumn   = column[string]
	metricColumn = column[metricValue]
)

func newCatalogue() *catalogue {
	return &catalogue{byID: map[string]int32{}, params: map[string]*textColumn{}, tags: map[string]*textColumn{},
		metrics: map[string]*metricColumn{}, strs: map[string]string{}, dirty: map[string]bool{}, loaded: make(chan struct{})}
}

// touch marks runs to read again (the store's watcher calls it).
func (c *catalogue) touch(ids []string) {
	c.dirtyMu.Lock()
	for _, id := range ids {
		c.dirty[id] = true
	}
	c.dirtyMu.Unlock()
}

// load reads every run once. Decoding the records is most of the work:
// it is shared between the processors, each reading its share of the runs
// in its own read transaction, and the rows are put in as they come.
func (c *catalogue) load(db *store.DB) {
	defer close(c.loaded)
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	if c.loadErr = db.View(func(tx *store.Tx) error {
		var err error
		ids, err = tx.RunIDs()
		return err
	}); c.loadErr != nil {
		return
	}
	type loaded struct {
		r    *store.Run
		sums map[string]store.Summary
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), len(ids)/1000))
	out := make(chan []loaded, 2*workers)
	errs := make(chan error, workers)
	per := (len(ids) + workers - 1) / max(workers, 1)
	for w := range workers {
		share := ids[min(w*per, len(ids)):min((w+1)*per, len(ids))]
		go func() {
			errs <- db.View(func(tx *store.Tx) error {
				batch := make([]loaded, 0, 256)
				for _, id := range share {
					r, err := tx.Run(id)
					if err != nil {
						return err
					}
					sums, err := tx.Summaries(id)
					if err != nil {
						return err
					}
					if batch = append(batch, loaded{r, sums}); len(batch) == cap(batch) {
						out <- batch
						batch = make([]loaded, 0, 256)
					}
				}
				out <- batch
				return nil
			})
		}()
	}
	for done := 0; done < workers; {
		select {
		case batch := <-out:
			for _, l := range batch {
				c.put(l.r, l.sums)
			}
		case err := <-errs:
			done++
			c.loadErr = cmp.Or(c.loadErr, err)
		}
	}
	for len(out) > 0 {
		for _, l := range <-out {
			c.put(l.r, l.sums)
		}
	}
}

// ready waits for the load.
func (c *catalogue) ready(ctx context.Context) error {
	select {
	case <-c.loaded:
		return c.loadErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refresh reads the runs written since the last query again; a run that is
// gone (purged) leaves. Called with mu held.
func (c *catalogue) refresh(tx *store.Tx) error {
	c.dirtyMu.Lock()
	ids := make([]string, 0, len(c.dirty))
	for id := range c.dirty {
		ids = append(ids, id)
	}
	clear(c.dirty)
	c.dirtyMu.Unlock()
	for _, id := range ids {
		r, err := tx.Run(id)
		if errors.Is(err, store.ErrNotFound) {
			c.drop(id)
			continue
		}
		if err != nil {
			return err
		}
		sums, err := tx.Summaries(id)
		if err != nil {
			return err
		}
		c.put(r, sums)
	}
	return nil
}

func (c *catalogue) intern(s string) string {
	if v, ok := c.strs[s]; ok {
		return v
	}
	c.strs[s] = s
	return s
}

func unixNano(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixNano()
}

// put takes a run's record and summaries in, as a new row or over its row.
func (c *catalogue) put(r *store.Run, sums map[string]store.Summary) {
	i, known := c.byID[r.ID]
	if !known {
		i = int32(len(c.rows))
		c.rows = append(c.rows, row{})
		c.byID[r.ID] = i
		c.order = append(c.order, i)
		c.sorted = false
	} else {
		c.clearRow(i)
	}
	c.rows[i] = row{id: r.ID, name: r.Name, experiment: c.intern(r.Experiment), status: r.Status,
		created: r.Created.UnixNano(), started: unixNano(r.Started), ended: unixNano(r.Ended),
		deleted: unixNano(r.Deleted), gpus: int32(len(r.Devices))}
	n := len(c.rows)
	for _, cols := range []struct {
		m    map[string]string
		cols map[string]*textColumn
	}{{r.Params, c.params}, {r.Tags, c.tags}} {
		for k, v := range cols.m {
			col := cols.cols[k]
			if col == nil {
				col = newColumn[string]()
				cols.cols[c.intern(k)] = col
			}
			col.set(i, c.intern(v), n)
		}
	}
	for name, s := range sums {
		col := c.metrics[name]
		if col == nil {
			col = newColumn[metricValue]()
			c.metrics[c.intern(name)] = col
		}
		col.set(i, metricValue{float64(s.Last), float64(s.Min), float64(s.Max), s.Count}, n)
	}
}

// clearRow takes a row's values out of every column (its params may have
// changed since).
func (c *catalogue) clearRow(i int32) {
	for _, col := range c.params {
		col.clear(i)
	}
	for _, col := range c.tags {
		col.clear(i)
	}
	for _, col := range c.metrics {
		col.clear(i)
	}
}

// drop forgets a purged run; its row stays, empty, so that row numbers
// hold.
func (c *catalogue) drop(id string) {
	i, ok := c.byID[id]
	if !ok {
		return
	}
	c.clearRow(i)
	c.rows[i] = row{}
	delete(c.byID, id)
	c.order = slices.DeleteFunc(c.order, func(x int32) bool { return x == i })
}

// catalogueQuery is a query the catalogue answers: which runs, in what
// order, how many.
type catalogueQuery struct {
	api.RunQuery
	expr *filter.Expr
	sort *filter.Field
}

// query returns the ids of the runs a query selects, in its order. Runs
// without the sort field come last in either direction; ties keep the
// newest first.
func (c *catalogue) query(ctx context.Context, db *store.DB, q catalogueQuery) ([]string, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := db.View(c.refresh); err != nil {
		return nil, err
	}
	if !c.sorted {
		slices.SortFunc(c.order, func(a, b int32) int {
			x, y := &c.rows[a], &c.rows[b]
			return cmp.Or(cmp.Compare(y.created, x.created), cmp.Compare(y.id, x.id))
		})
		c.sorted = true
	}
	cur := &cursor{c: c}
	var kept []int32
	for _, i := range c.order {
		r := &c.rows[i]
		cur.i = i
		switch {
		case (r.deleted != 0) != q.Deleted,
			q.Experiment != "" && r.experiment != q.Experiment,
			len(q.Statuses) > 0 && !slices.Contains(q.Statuses, api.Status(r.status)),
			q.expr != nil && !q.expr.Match(cur):
			continue
		}
		kept = append(kept, i)
	}
	if q.sort != nil {
		kept = c.sortRows(kept, *q.sort, q.Desc, q.Limit)
	}
	if q.Limit > 0 && len(kept) > q.Limit {
		kept = kept[:q.Limit]
	}
	ids := make([]string, len(kept))
	for j, i := range kept {
		ids[j] = c.rows[i].id
	}
	return ids, nil
}

// sortRows orders rows by a field: the rows with a value first, in the
// direction asked (numbers before words ascending, words before numbers
// descending), then the rows without one (NaN counts as none); ties keep
// the rows' order. Numbers are sorted by a radix sort of their bits, which
// is linear in the rows: a table of 100 000 runs sorted by a metric costs a
// few milliseconds. With a limit well under their number, only the first
// limit numbers are kept, with a heap, and sorted.
func (c *catalogue) sortRows(rows []int32, f filter.Field, desc bool, limit int) []int32 {
	value := c.fieldValue(f)
	nums := make([]numKey, 0, len(rows))
	var words []wordKey
	var missing []int32
	for _, i := range rows {
		num, text, isNum, ok := value(i)
		switch {
		case !ok || isNum && math.IsNaN(num):
			missing = append(missing, i)
		case isNum:
			nums = append(nums, numKey{key: orderedBits(num, desc), row: i, pos: int32(len(nums))})
		default:
			words = append(words, wordKey{text: text, row: i})
		}
	}
	need := limit
	if desc {
		need -= len(words) // words come first
	}
	switch {
	case limit > 0 && need <= 0:
		nums = nums[:0]
	case limit > 0 && need < len(nums)/4:
		nums = firstKeys(nums, need)
	default:
		radixSort(nums)
	}
	slices.SortStableFunc(words, func(a, b wordKey) int {
		if desc {
			return strings.Compare(b.text, a.text)
		}
		return strings.Compare(a.text, b.text)
	})
	out := rows[:0]
	appendNums := func() {
		for _, k := range nums {
			out = append(out, k.row)
		}
	}
	appendWords := func() {
		for _, k := range words {
			out = append(out, k.row)
		}
	}
	if desc {
		appendWords()
		appendNums()
	} else {
		appendNums()
		appendWords()
	}
	return append(out, missing...)
}

// fieldValue reads a field of a row, as filter.Field.Value does; a metric
// is read from its column directly, which a sort of many rows notices.
func (c *catalogue) fieldValue(f filter.Field) func(i int32) (num float64, text string, isNum, ok bool) {
	if f.Kind == filter.Metric {
		col := c.metrics[f.Name]
		return func(i int32) (float64, string, bool, bool) {
			if col == nil {
				return 0, "", false, false
			}
			m, ok := col.get(i)
			return m.of(f.Agg), "", ok, ok
		}
	}
	cur := &cursor{c: c}
	return func(i int32) (float64, string, bool, bool) {
		cur.i = i
		return f.Value(cur)
	}
}

// numKey is a row and its number as bits that sort as the numbers do; pos
// is its place among the keys, for ties.
type numKey struct {
	key      uint64
	row, pos int32
}

func (a numKey) before(b numKey) bool { return a.key < b.key || a.key == b.key && a.pos < b.pos }

// firstKeys returns the k first of keys in order, with a heap of the k
// first so far whose root is the last of them.
func firstKeys(keys []numKey, k int) []numKey {
	h := make([]numKey, 0, k)
	down := func(i int) {
		for {
			l, last := 2*i+1, i
			if l < len(h) && h[last].before(h[l]) {
				last = l
			}
			if r := l + 1; r < len(h) && h[last].before(h[r]) {
				last = r
			}
			if last == i {
				return
			}
			h[i], h[last] = h[last], h[i]
			i = last
		}
	}
	for _, key := range keys {
		switch {
		case len(h) < k:
			h = append(h, key)
			for j := len(h) - 1; j > 0 && h[(j-1)/2].before(h[j]); j = (j - 1) / 2 {
				h[j], h[(j-1)/2] = h[(j-1)/2], h[j]
			}
		case key.before(h[0]):
			h[0] = key
			down(0)
		}
	}
	slices.SortFunc(h, func(a, b numKey) int {
		if a.before(b) {
			return -1
		}
		return 1
	})
	return h
}

type wordKey struct {
	text string
	row  int32
}

// orderedBits maps a number (not NaN) to bits whose order as unsigned
// integers is the numbers' order, or its reverse when desc. -0 is 0.
func orderedBits(v float64, desc bool) uint64 {
	if v == 0 {
		v = 0
	}
	b := math.Float64bits(v)
	if b>>63 == 1 {
		b = ^b
	} else {
		b |= 1 << 63
	}
	if desc {
		b = ^b
	}
	return b
}

// radixSort sorts keys by key, stably, 11 bits a pass (least significant
// first), skipping the passes in which every key has the same digit.
func radixSort(keys []numKey) {
	const bits = 11
	if len(keys) < 2 {
		return
	}
	buf := make([]numKey, len(keys))
	src, dst := keys, buf
	var count [1 << bits]int
	for shift := uint(0); shift < 64; shift += bits {
		clear(count[:])
		for _, k := range src {
			count[(k.key>>shift)&(1<<bits-1)]++
		}
		if count[(src[0].key>>shift)&(1<<bits-1)] == len(src) {
			continue // one digit for all: this pass would move nothing
		}
		at := 0
		for d, n := range count {
			count[d] = at
			at += n
		}
		for _, k := range src {
			d := (k.key >> shift) & (1<<bits - 1)
			dst[count[d]] = k
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
}

// cursor is a filter's view of one row (filter.Run). A filter asks for
// the same few names at every row: the last columns found are kept, so a
// row costs no map lookup.
type cursor struct {
	c       *catalogue
	i       int32
	params  colCache[textColumn]
	tags    colCache[textColumn]
	metrics colCache[metricColumn]
}

// colCache remembers the columns of the last few names asked for.
type colCache[C any] struct {
	names [4]string
	cols  [4]*C
	next  int
}

func (k *colCache[C]) get(name string, all map[string]*C) *C {
	for j := range k.names {
		if k.cols[j] != nil && k.names[j] == name {
			return k.cols[j]
		}
	}
	col := all[name]
	if col != nil {
		k.names[k.next], k.cols[k.next] = name, col
		k.next = (k.next + 1) % len(k.names)
	}
	return col
}

func (k *cursor) Text(f filter.Field) (string, bool) {
	r := &k.c.rows[k.i]
	switch f.Kind {
	case filter.ID:
		return r.id, true
	case filter.Name:
		return r.name, true
	case filter.Experiment:
		return r.experiment, true
	case filter.Status:
		return string(r.status), true
	}
	return "", false
}

func (k *cursor) Param(name string) (string, bool) {
	if col := k.params.get(name, k.c.params); col != nil {
		return col.get(k.i)
	}
	return "", false
}

func (k *cursor) Tag(name string) (string, bool) {
	if col := k.tags.get(name, k.c.tags); col != nil {
		return col.get(k.i)
	}
	return "", false
}

func (k *cursor) Metric(name string, agg filter.Agg) (float64, bool) {
	col := k.metrics.get(name, k.c.metrics)
	if col == nil {
		return 0, false
	}
	m, ok := col.get(k.i)
	return m.of(agg), ok
}

func (k *cursor) Time(f filter.Field) (time.Time, bool) {
	r := &k.c.rows[k.i]
	var ns int64
	switch f.Kind {
	case filter.Started:
		ns = r.started
	case filter.Created:
		ns = r.created
	case filter.Ended:
		ns = r.ended
	}
	if ns == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, ns), true
}

func (k *cursor) Duration() (time.Duration, bool) {
	r := &k.c.rows[k.i]
	if r.started == 0 {
		return 0, false
	}
	end := r.ended
	if end == 0 {
		end = time.Now().UnixNano()
	}
	return time.Duration(end - r.started), true
}

func (k *cursor) GPUs() int { return int(k.c.rows[k.i].gpus) }
