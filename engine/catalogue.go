package engine

import (
	"cmp"
	"context"
	"errors"
	"lathe/engine/api"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

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

// sortKey is a row's value of the sort field, and its place in the
// newest-first order (ties keep it).
type sortKey struct {
	row   int32
	pos   int
	num   float64
	text  string
	isNum bool
	ok    bool
}

// compareKeys orders keys: values in the direction asked (numbers before
// words), then the rows without one; ties by position.
func compareKeys(a, b *sortKey, desc bool) int {
	if a.ok != b.ok {
		return cmp.Compare(boolRank(!a.ok), boolRank(!b.ok))
	}
	var d int
	switch {
	case !a.ok:
	case a.isNum && b.isNum:
		d = cmp.Compare(a.num, b.num)
	case a.isNum != b.isNum:
		d = cmp.Compare(boolRank(!a.isNum), boolRank(!b.isNum))
	default:
		d = strings.Compare(a.text, b.text)
	}
	if desc {
		d = -d
	}
	return cmp.Or(d, cmp.Compare(a.pos, b.pos))
}

// sortRows orders rows by a field. With a limit well under their number it
// keeps only the first limit, with a heap, rather than sorting them all.
func (c *catalogue) sortRows(rows []int32, f filter.Field, desc bool, limit int) []int32 {
	cur := &cursor{c: c}
	keys := make([]sortKey, len(rows))
	for j, i := range rows {
		cur.i = i
		num, text, isNum, ok := f.Value(cur)
		keys[j] = sortKey{row: i, pos: j, num: num, text: text, isNum: isNum, ok: ok && !(isNum && math.IsNaN(num))}
	}
	less := func(a, b *sortKey) int { return compareKeys(a, b, desc) }
	if limit > 0 && limit < len(keys)/4 {
		// A max-heap of the best limit keys so far: its root is the worst.
		h := make([]sortKey, 0, limit)
		down := func(i int) {
			for {
				l, worst := 2*i+1, i
				if l < len(h) && less(&h[l], &h[worst]) > 0 {
					worst = l
				}
				if r := l + 1; r < len(h) && less(&h[r], &h[worst]) > 0 {
					worst = r
				}
				if worst == i {
					return
				}
				h[i], h[worst] = h[worst], h[i]
				i = worst
			}
		}
		for j := range keys {
			switch {
			case len(h) < limit:
				h = append(h, keys[j])
				for k := len(h) - 1; k > 0 && less(&h[k], &h[(k-1)/2]) > 0; k = (k - 1) / 2 {
					h[k], h[(k-1)/2] = h[(k-1)/2], h[k]
				}
			case less(&keys[j], &h[0]) < 0:
				h[0] = keys[j]
				down(0)
			}
		}
		keys = h
	}
	slices.SortFunc(keys, func(a, b sortKey) int { return less(&a, &b) })
	out := rows[:len(keys)]
	for j := range keys {
		out[j] = keys[j].row
	}
	return out
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
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
	switch {
	case !ok:
		return 0, false
	case agg == filter.Min:
		return m.min, true
	case agg == filter.Max:
		return m.max, true
	case agg == filter.Count:
		return float64(m.count), true
	}
	return m.last, true
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
