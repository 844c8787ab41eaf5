package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lathe/engine/api"
	"lathe/engine/drift"
	"lathe/engine/drift/table"
	"lathe/engine/registry"
	"lathe/store"
)

// The drift data records of a model (store.DriftData keys): the latest
// window's samples, and a challenger's shadow rows.
const (
	driftWindowData = "window"
	driftShadowData = "shadow/"
)

// driftRef is a version's reference as the store keeps it: what the user
// reads of it (JSON, first, so a listing skips the samples) and the
// summary scoring reads.
type driftRef struct {
	Meta    api.DriftReference
	Summary drift.Summary
}

func encodeDriftRef(r *driftRef) ([]byte, error) {
	meta, err := json.Marshal(r.Meta)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(binary.BigEndian.AppendUint32(nil, uint32(len(meta))))
	buf.Write(meta)
	if err := gob.NewEncoder(&buf).Encode(&r.Summary); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeDriftRef reads a stored reference; withSummary false reads only
// its meta.
func decodeDriftRef(data []byte, withSummary bool) (*driftRef, error) {
	if len(data) < 4 || int(binary.BigEndian.Uint32(data)) > len(data)-4 {
		return nil, fmt.Errorf("drift reference: %w: short record", store.ErrDamaged)
	}
	n := int(binary.BigEndian.Uint32(data))
	r := &driftRef{}
	if err := json.Unmarshal(data[4:4+n], &r.Meta); err != nil {
		return nil, fmt.Errorf("drift reference: %w: %v", store.ErrDamaged, err)
	}
	if withSummary {
		if err := gob.NewDecoder(bytes.NewReader(data[4+n:])).Decode(&r.Summary); err != nil {
			return nil, fmt.Errorf("drift reference of %s v%d: %w: %v", r.Meta.Model, r.Meta.Version, store.ErrDamaged, err)
		}
	}
	return r, nil
}

// windowData is what a model keeps of its latest window: the current
// data summarised (a sample of each feature's values) and the rows of its
// prediction, label and challenger columns (at most the sample size).
type windowData struct {
	Seq, Version int
	Start        time.Time
	Current      drift.Summary
	Pred, Label  []float64
	Chal         []float64
	Challenger   int
}

// shadowRows are the paired rows of a challenger's shadow evaluation, the
// newest kept when there are more than the sample size.
type shadowRows struct {
	Pred, Chal, Label []float64
}

// driftState is what a model keeps between batches.
type driftState struct {
	LastSeq     int          `json:"last_seq"`
	LastRetrain *api.Retrain `json:"last_retrain,omitempty"`
	// Pending is the window whose alert was recorded but whose hook and
	// retrain have not finished: an engine that stopped between them
	// finishes them when it opens again.
	Pending int `json:"pending_alert,omitempty"`
	// Watched are the files a watched folder gave: name → "size mtime".
	Watched map[string]string `json:"watched,omitempty"`
}

func encodeGob(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(v)
	return buf.Bytes(), err
}

func decodeGob(data []byte, v any) error {
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		return fmt.Errorf("%w: %v", store.ErrDamaged, err)
	}
	return nil
}

// readDriftState reads a model's drift state (empty when it has none).
func readDriftState(tx *store.Tx, model string) (driftState, error) {
	var st driftState
	data, err := tx.DriftState(model)
	if errors.Is(err, store.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("drift state of %s: %w: %v", model, store.ErrDamaged, err)
	}
	return st, nil
}

func putDriftState(tx *store.Tx, model string, st driftState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return tx.PutDriftState(model, data)
}

// thresholds are a model's drift thresholds, from its policy.
func thresholds(p registry.DriftPolicy) drift.Thresholds {
	return drift.Thresholds{Warn: p.PSIWarn, Alert: p.PSIAlert, DatasetShare: p.DatasetShare}
}

// roles names the columns of a policy that are not features.
func roles(p registry.DriftPolicy) map[string]string {
	return map[string]string{p.Prediction: "prediction", p.Label: "label", p.Challenger: "challenger"}
}

// openData opens a data file for caller, refusing one they could not read
// themselves: the engine reads data files for whoever names them and may
// run as another user. The checks are made on the file opened (a path
// swapped for a link after them changes nothing): a file of the caller's,
// or one everyone may read in folders everyone may pass through.
func (e *Engine) openData(caller, path string) (*os.File, error) {
	if !filepath.IsAbs(path) {
		return nil, api.Errorf(api.ErrInvalid, "%s: the engine needs an absolute path", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, api.Errorf(api.ErrNotFound, "%s", strings.TrimPrefix(err.Error(), "open "))
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = api.Errorf(api.ErrInvalid, "%s is a folder: name a CSV, JSON-lines or Parquet file", path)
	}
	if err == nil && caller != "" && caller != e.user && !mayRead(f, fi, caller) {
		err = api.Errorf(api.ErrForbidden, "%s: the engine reads a data file for %s only when it is theirs, or readable by everyone in folders everyone may enter", path, caller)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// mayRead reports whether caller could read the open file f themselves.
func mayRead(f *os.File, fi os.FileInfo, caller string) bool {
	u, err := user.Lookup(caller)
	st, ok := fi.Sys().(*syscall.Stat_t)
	if err != nil || !ok {
		return false
	}
	if strconv.FormatUint(uint64(st.Uid), 10) == u.Uid {
		return fi.Mode().Perm()&0o400 != 0
	}
	if fi.Mode().Perm()&0o004 == 0 {
		return false
	}
	real, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	if err != nil {
		return false
	}
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		di, err := os.Stat(dir)
		if err != nil {
			return false
		}
		ds, ok := di.Sys().(*syscall.Stat_t)
		own := ok && strconv.FormatUint(uint64(ds.Uid), 10) == u.Uid && di.Mode().Perm()&0o100 != 0
		if !own && di.Mode().Perm()&0o001 == 0 {
			return false
		}
		if dir == "/" {
			return true
		}
	}
}

// readTable reads a data file for drift as caller may, with hints of the
// kinds of the columns it may have (the reference's) and the kinds the
// user set.
func (e *Engine) readTable(caller, path, format string, types map[string]string, hints map[string]table.Kind) (*table.Table, error) {
	opt := table.Options{Format: format, Types: map[string]table.Kind{}, Hints: hints}
	for name, s := range types {
		k, err := table.ParseKind(s)
		if err != nil {
			return nil, api.Errorf(api.ErrInvalid, "column %s: %v", name, err)
		}
		opt.Types[name] = k
	}
	f, err := e.openData(caller, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if opt.Format == "" {
		opt.Format = table.FormatOfName(path)
	}
	t, err := table.Read(f, opt)
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "%s: %v", path, err)
	}
	return t, nil
}

// SetDriftReference summarises a data file as a version's reference.
func (e *Engine) SetDriftReference(ctx context.Context, req api.DriftReferenceRequest) (api.DriftReference, error) {
	ref := req.Ref
	if !strings.Contains(ref, "@") {
		ref += "@" + registry.Latest
	}
	r, err := registry.ParseRef(ref)
	if err != nil {
		return api.DriftReference{}, err
	}
	var m *store.Model
	var v *store.ModelVersion
	if err := e.db.View(func(tx *store.Tx) error {
		m, v, err = resolveVersion(tx, r)
		return err
	}); err != nil {
		return api.DriftReference{}, e.translate(err)
	}
	meta, err := e.makeReference(ctx, m.Name, v.Version, req.User, req.Data, req.Format, req.Types, "")
	if err != nil {
		return api.DriftReference{}, err
	}
	return meta, nil
}

// makeReference reads and summarises path and keeps it as the reference
// of a version, replacing any; an audit entry says so.
func (e *Engine) makeReference(ctx context.Context, model string, version int, user, path, format string, types map[string]string, dataset string) (api.DriftReference, error) {
	by := e.caller(user)
	t, err := e.readTable(user, path, format, types, nil)
	if err != nil {
		return api.DriftReference{}, err
	}
	if err := drift.HasRows(path, t); err != nil {
		return api.DriftReference{}, api.Errorf(api.ErrInvalid, "%v", err)
	}
	sample := e.opts.Config.Drift.Sample
	meta := api.DriftReference{Model: model, Version: version, Source: path, Dataset: dataset, Rows: t.Rows,
		Bad: t.Bad, Features: map[string]string{}, Sample: sample, Created: time.Now().UTC(), By: by}
	for _, c := range t.Columns {
		meta.Features[c.Name] = c.Kind.String()
	}
	rec := &driftRef{Meta: meta, Summary: *drift.Summarise(t, sample)}
	data, err := encodeDriftRef(rec)
	if err != nil {
		return api.DriftReference{}, err
	}
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Version(model, version); err != nil {
			return err // removed meanwhile
		}
		if err := tx.PutDriftReference(model, version, data); err != nil {
			return err
		}
		tx.OnCommit(func() { e.publishDrift(model) })
		return e.audit(tx, by, "drift reference", model, version, map[string]any{
			"source": path, "rows": t.Rows, "bad_rows": t.Bad, "features": len(t.Columns), "dataset": dataset})
	})
	return meta, e.translate(err)
}

// publishDrift tells clients a model's drift changed.
func (e *Engine) publishDrift(model string) {
	e.hub.publish(api.Event{Type: api.EventDrift, Model: model})
}

// trainReference makes the reference of a new version from its run's
// `train` data set, in the background; what went wrong is kept with it.
func (e *Engine) trainReference(v api.ModelVersion) {
	i := slices.IndexFunc(v.Datasets, func(d api.Dataset) bool { return d.Role == "train" && d.Abs != "" })
	if i < 0 {
		return
	}
	d := v.Datasets[i]
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		// Read as the engine's own: the job that named it ran as the engine's user.
		_, err := e.makeReference(e.ctx, v.Model, v.Version, "", d.Abs, "", nil, d.Name)
		if err != nil {
			e.log.Warn("drift reference from a train data set", "model", v.Model, "version", v.Version, "path", d.Abs, "err", err)
		}
	}()
}

// IngestDrift scores a batch against the model's reference and files it
// in its window.
func (e *Engine) IngestDrift(ctx context.Context, req api.DriftIngestRequest) (api.DriftIngestResult, error) {
	// Refused at once, before the model's other batches are waited for.
	f, err := e.openData(req.User, req.Data)
	if err != nil {
		return api.DriftIngestResult{}, err
	}
	f.Close()
	return e.ingestBatch(ctx, req, "")
}

// ingestPlan is what an ingest reads before it reads the batch.
type ingestPlan struct {
	model    *store.Model
	policy   registry.Policy
	ref      *driftRef
	state    driftState
	open     *windowData // the window the batch may join
	champion int
	// last is the status of the model's latest window: an alert is news
	// only when the model was not alerting already.
	last string
}

// plan finds the model, its policy and the reference a batch is scored
// against: the version named, else the champion's, else the newest
// version's that has one.
func (e *Engine) plan(req api.DriftIngestRequest) (ingestPlan, error) {
	var p ingestPlan
	name, _, named := strings.Cut(req.Ref, "@")
	err := e.db.View(func(tx *store.Tx) error {
		m, err := tx.Model(name)
		if err != nil {
			return err
		}
		p.model = m
		if p.policy, err = policyOf(tx, m); err != nil {
			return err
		}
		if p.state, err = readDriftState(tx, m.Name); err != nil {
			return err
		}
		p.champion = m.Aliases[api.Champion]
		if c := req.Challenger; c != 0 {
			if c < 0 {
				return api.Errorf(api.ErrInvalid, "challenger %d: name a version (1, 2, …)", c)
			}
			if _, err := tx.Version(m.Name, c); err != nil {
				return api.Errorf(api.ErrNotFound, "%s has no version %d to evaluate in shadow", m.Name, c)
			}
			switch p.champion {
			case 0:
				return api.Errorf(api.ErrInvalid, "%s has no champion: shadow evaluation scores a challenger beside the champion's predictions", m.Name)
			case c:
				return api.Errorf(api.ErrInvalid, "v%d is the champion of %s: name another version as the challenger", c, m.Name)
			}
		}
		version := 0
		if named {
			r, err := registry.ParseRef(req.Ref)
			if err != nil {
				return err
			}
			_, v, err := resolveVersion(tx, r)
			if err != nil {
				return err
			}
			version = v.Version
		} else {
			version, err = servingReference(tx, m)
			if err != nil {
				return err
			}
		}
		data, err := tx.DriftReference(m.Name, version)
		if errors.Is(err, store.ErrNotFound) {
			return api.Errorf(api.ErrNotFound, "%s v%d has no drift reference: lathe drift reference %s@%d --data TRAINING_FILE", m.Name, version, m.Name, version)
		}
		if err != nil {
			return err
		}
		if p.ref, err = decodeDriftRef(data, true); err != nil {
			return err
		}
		if w, err := latestDrift(tx, m.Name); err != nil {
			return err
		} else if w != nil {
			p.last = w.DatasetStatus
		}
		if raw, err := tx.DriftData(m.Name, driftWindowData); err == nil {
			var w windowData
			if err := decodeGob(raw, &w); err != nil {
				return err
			}
			p.open = &w
		}
		return nil
	})
	return p, e.translate(err)
}

// servingReference is the version whose reference scores a model's
// batches: the champion's when it has one, else the newest version's.
func servingReference(tx *store.Tx, m *store.Model) (int, error) {
	var versions []int
	if err := tx.DriftReferences(m.Name, func(version int, _ []byte) error {
		versions = append(versions, version)
		return nil
	}); err != nil {
		return 0, err
	}
	if len(versions) == 0 {
		return 0, api.Errorf(api.ErrNotFound, "%s has no drift reference: lathe drift reference %s --data TRAINING_FILE, or register a version from a run that names a train data set", m.Name, m.Name)
	}
	if c, ok := m.Aliases[api.Champion]; ok && slices.Contains(versions, c) {
		return c, nil
	}
	return versions[len(versions)-1], nil
}

// windowStart is the start of the window a batch at t belongs to.
func windowStart(kind string, t time.Time) time.Time {
	switch kind {
	case "hour":
		return t.UTC().Truncate(time.Hour)
	case "day":
		y, mo, d := t.UTC().Date()
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	}
	return t.UTC()
}

// outcomeColumns returns the prediction, label and challenger columns
// (nil where absent) as numbers: numeric columns as they are; when any is
// categorical (class names such as "cat"), each is mapped to an index over
// the union of their values, so predictions and labels compare as classes.
func outcomeColumns(t *table.Table, names ...string) [][]float64 {
	cols := make([]*table.Column, len(names))
	classes := false
	for i, n := range names {
		cols[i] = t.Column(n)
		classes = classes || cols[i] != nil && cols[i].Kind == table.Categorical
	}
	out := make([][]float64, len(names))
	index := map[string]float64{}
	code := func(s string) float64 {
		v, ok := index[s]
		if !ok {
			v = float64(len(index))
			index[s] = v
		}
		return v
	}
	for i, c := range cols {
		switch {
		case c == nil:
		case !classes:
			out[i] = c.Values
		case c.Kind == table.Numeric:
			out[i] = make([]float64, len(c.Values))
			for j, x := range c.Values {
				out[i][j] = math.NaN()
				if !math.IsNaN(x) {
					out[i][j] = code(strconv.FormatFloat(x, 'g', -1, 64))
				}
			}
		default:
			out[i] = make([]float64, len(c.Codes))
			for j, cd := range c.Codes {
				out[i][j] = math.NaN()
				if cd >= 0 {
					out[i][j] = code(c.Levels[cd])
				}
			}
		}
	}
	return out
}

// capRows keeps the last n values of a column.
func capRows(v []float64, n int) []float64 {
	if len(v) > n {
		return slices.Clone(v[len(v)-n:])
	}
	return v
}

// keyedLocks are mutexes by name, made on first use: one model's drift
// waits for nothing of another's.
type keyedLocks struct {
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// lock locks name's mutex and returns its unlock.
func (k *keyedLocks) lock(name string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*sync.Mutex{}
	}
	l, ok := k.locks[name]
	if !ok {
		l = new(sync.Mutex)
		k.locks[name] = l
	}
	k.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// bigBatch is the rows from which an ingest returns its memory at once.
const bigBatch = 1_000_000

// ingestBatch scores a batch into its window, then, outside the model's
// ingest lock (a slow hook holds no other batch up), acts on an alert.
func (e *Engine) ingestBatch(ctx context.Context, req api.DriftIngestRequest, watched string) (api.DriftIngestResult, error) {
	res, p, err := e.scoreBatch(ctx, req, watched)
	if err != nil {
		return res, err
	}
	if res.Batch.RowsCur >= bigBatch {
		// A big batch's columns are garbage now: give their memory back
		// rather than keep the engine at its peak while it idles.
		debug.FreeOSMemory()
	}
	if res.Alerted {
		unlock := e.alertLocks.lock(p.model.Name)
		res.Hook, res.Retrain = e.onAlert(ctx, p.model.Name, p.policy, res.Window, false)
		unlock()
		if res.Retrain != nil {
			res.Window.Retrain = res.Retrain
		}
		e.publishDrift(p.model.Name)
	}
	return res, nil
}

func (e *Engine) scoreBatch(ctx context.Context, req api.DriftIngestRequest, watched string) (api.DriftIngestResult, ingestPlan, error) {
	name, _, _ := strings.Cut(req.Ref, "@")
	defer e.driftLocks.lock(name)()
	p, err := e.plan(req)
	if err != nil {
		return api.DriftIngestResult{}, p, err
	}
	dp := p.policy.Drift
	kinds := map[string]table.Kind{}
	for _, f := range p.ref.Summary.Features {
		kinds[f.Name] = f.Kind
	}
	// Columns read with the reference's kinds: a numeric feature's stray
	// text is then a bad row, not a categorical feature.
	t, err := e.readTable(req.User, req.Data, req.Format, req.Types, kinds)
	if err == nil {
		if err = drift.HasRows(req.Data, t); err != nil {
			err = api.Errorf(api.ErrInvalid, "%v", err)
		}
	}
	if err != nil {
		return api.DriftIngestResult{}, p, err
	}
	t.Columns = slices.DeleteFunc(t.Columns, func(c *table.Column) bool { return slices.Contains(dp.Ignore, c.Name) })
	when := req.Time
	if when.IsZero() {
		when = time.Now()
	}
	th, rl := thresholds(dp), roles(dp)
	sample := e.opts.Config.Drift.Sample

	batchSummary := drift.Summarise(t, 0)
	batch := drift.Compare(&p.ref.Summary, batchSummary, th, rl)
	batch.NoteBadCells("current", t)
	outcomes := outcomeColumns(t, dp.Prediction, dp.Label, dp.Challenger)
	pred, label, chal := outcomes[0], outcomes[1], outcomes[2]
	batchReport := batch.API()
	batchReport.RowsCur, batchReport.BadCur, batchReport.RowsRef = t.Rows, t.Bad, p.ref.Meta.Rows
	batchReport.BadRows = badRows("current", t.FirstBad)
	batchReport.Quality = quality(pred, label)
	var shadow *api.Shadow
	if req.Challenger > 0 {
		if chal == nil || pred == nil || label == nil {
			return api.DriftIngestResult{}, p, api.Errorf(api.ErrInvalid, "%s: shadow evaluation of v%d needs the columns %s (the champion's predictions), %s (v%d's) and %s (labels)", req.Data, req.Challenger, dp.Prediction, dp.Challenger, req.Challenger, dp.Label)
		}
		shadow = shadowOf(pred, chal, label, dp, p.policy.Shadow, req.Challenger)
		batchReport.Shadow = shadow
	}
	for i := range batchSummary.Features {
		batchSummary.Features[i] = drift.Thin(batchSummary.Features[i], sample)
	}

	// The window: a new one, or the open one the batch joins.
	start := windowStart(dp.Window, when)
	if o := p.open; o != nil && dp.Window != "batch" && start.Before(o.Start) {
		// Only the latest window keeps what a batch is merged into.
		return api.DriftIngestResult{}, p, api.Errorf(api.ErrConflict, "%s: its time %s falls in the %s of %s, before the latest window #%d (%s): windows by %s take batches in time order (give a later --time, or set window = \"batch\" in the policy)",
			req.Data, when.UTC().Format(time.DateTime), dp.Window, start.Format(time.DateTime), o.Seq, o.Start.Format(time.DateTime), dp.Window)
	}
	w := windowData{Seq: p.state.LastSeq + 1, Version: p.ref.Meta.Version, Start: start, Current: *batchSummary,
		Pred: capRows(pred, sample), Label: capRows(label, sample), Chal: capRows(chal, sample), Challenger: req.Challenger}
	window := api.DriftWindow{Seq: w.Seq, Model: p.model.Name, Version: w.Version, Start: start, End: when.UTC(), Batches: 1, DriftReport: batchReport}
	prevStatus := p.last
	if o := p.open; o != nil && dp.Window != "batch" && o.Start.Equal(start) && o.Version == w.Version && o.Seq == p.state.LastSeq {
		var old api.DriftWindow
		if err := e.readWindow(p.model.Name, o.Seq, &old); err != nil {
			return api.DriftIngestResult{}, p, err
		}
		prevStatus = old.DatasetStatus
		w = mergeWindow(*o, w, sample)
		merged := drift.Compare(&p.ref.Summary, &w.Current, th, rl)
		report := merged.API()
		report.RowsCur, report.BadCur, report.RowsRef = old.RowsCur+t.Rows, old.BadCur+t.Bad, p.ref.Meta.Rows
		report.BadRows = append(old.BadRows, batchReport.BadRows...)
		if len(report.BadRows) > table.MaxBadKept {
			report.BadRows = report.BadRows[:table.MaxBadKept]
		}
		report.Quality = quality(w.Pred, w.Label)
		if w.Challenger > 0 && w.Chal != nil {
			report.Shadow = shadowOf(w.Pred, w.Chal, w.Label, dp, p.policy.Shadow, w.Challenger)
		}
		window = api.DriftWindow{Seq: o.Seq, Model: p.model.Name, Version: w.Version, Start: start,
			End: maxTime(old.End, when.UTC()), Batches: old.Batches + 1, DriftReport: report, Retrain: old.Retrain}
	}
	window.Scored = time.Now().UTC()
	alerted := window.DatasetStatus == api.DriftAlert && prevStatus != api.DriftAlert

	err = e.db.Update(ctx, func(tx *store.Tx) error {
		st, err := readDriftState(tx, p.model.Name)
		if err != nil {
			return err
		}
		st.LastSeq = max(st.LastSeq, window.Seq)
		if alerted {
			st.Pending = window.Seq
		}
		if watched != "" {
			if st.Watched == nil {
				st.Watched = map[string]string{}
			}
			st.Watched[filepath.Base(req.Data)] = watched
		}
		if err := putDriftState(tx, p.model.Name, st); err != nil {
			return err
		}
		if err := e.putWindow(tx, window); err != nil {
			return err
		}
		data, err := encodeGob(&w)
		if err != nil {
			return err
		}
		if err := tx.PutDriftData(p.model.Name, driftWindowData, data); err != nil {
			return err
		}
		if req.Challenger > 0 {
			if err := addShadowRows(tx, p.model.Name, req.Challenger, pred, chal, label, sample); err != nil {
				return err
			}
		}
		if alerted {
			return e.audit(tx, e.caller(req.User), "drift alert", p.model.Name, w.Version, map[string]any{
				"window": window.Seq, "start": start, "drift_share": float64(window.DriftShare),
				"features": alertingFeatures(window.DriftReport), "source": req.Data})
		}
		return nil
	})
	if err != nil {
		return api.DriftIngestResult{}, p, e.translate(err)
	}
	e.publishDrift(p.model.Name)
	e.publishModel(p.model.Name)
	return api.DriftIngestResult{Window: window, Batch: batchReport, Alerted: alerted}, p, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// mergeWindow adds a batch's data to its window's.
func mergeWindow(w, b windowData, sample int) windowData {
	out := windowData{Seq: w.Seq, Version: w.Version, Start: w.Start, Challenger: max(w.Challenger, b.Challenger),
		Current: drift.Summary{Rows: w.Current.Rows + b.Current.Rows, Bad: w.Current.Bad + b.Current.Bad}}
	for _, f := range w.Current.Features {
		if g := b.Current.Feature(f.Name); g != nil {
			f = drift.Merge(f, *g, sample)
		}
		out.Current.Features = append(out.Current.Features, f)
	}
	for _, g := range b.Current.Features {
		if w.Current.Feature(g.Name) == nil {
			out.Current.Features = append(out.Current.Features, g)
		}
	}
	out.Pred = capRows(append(slices.Clone(w.Pred), b.Pred...), sample)
	out.Label = capRows(append(slices.Clone(w.Label), b.Label...), sample)
	out.Chal = capRows(append(slices.Clone(w.Chal), b.Chal...), sample)
	return out
}

// quality is the model's quality on the rows with labels, nil without.
func quality(pred, label []float64) *api.Quality {
	if pred == nil || label == nil {
		return nil
	}
	metric := drift.QualityMetric(pred, label)
	v, n, err := drift.Quality(metric, pred, label)
	if err != nil || n == 0 {
		return nil
	}
	return &api.Quality{Metric: metric, Value: api.Float(v), Rows: n}
}

// shadowOf compares a challenger's predictions with the champion's on the
// same rows, at the policy's α (0.05 without a [shadow] table).
func shadowOf(pred, chal, label []float64, dp registry.DriftPolicy, sp *registry.ShadowPolicy, version int) *api.Shadow {
	alpha := 0.05
	if sp != nil {
		alpha = sp.Alpha
	}
	s, err := drift.CompareShadow(pred, chal, label, alpha, 0)
	if err != nil {
		return &api.Shadow{Version: version, Rows: s.Rows}
	}
	return &api.Shadow{Version: version, Metric: s.Metric, Test: s.Test, Rows: s.Rows, Champion: api.Float(s.Champion),
		Challenger: api.Float(s.Challenger), Diff: api.Float(s.Diff), Lo: api.Float(s.Lo), Hi: api.Float(s.Hi),
		PValue: api.Float(s.PValue), Better: s.Better, ChampionOnly: s.B, ChallengerOnly: s.C}
}

// addShadowRows appends a batch's paired rows to a challenger's.
func addShadowRows(tx *store.Tx, model string, version int, pred, chal, label []float64, sample int) error {
	key := driftShadowData + strconv.Itoa(version)
	var rows shadowRows
	if raw, err := tx.DriftData(model, key); err == nil {
		if err := decodeGob(raw, &rows); err != nil {
			return err
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	rows.Pred = capRows(append(rows.Pred, pred...), sample)
	rows.Chal = capRows(append(rows.Chal, chal...), sample)
	rows.Label = capRows(append(rows.Label, label...), sample)
	data, err := encodeGob(&rows)
	if err != nil {
		return err
	}
	return tx.PutDriftData(model, key, data)
}

func badRows(side string, bad []table.BadRow) []api.BadRow {
	out := make([]api.BadRow, 0, len(bad))
	for _, b := range bad {
		out = append(out, api.BadRow{Side: side, Line: b.Line, Reason: b.Reason})
	}
	return out
}

// alertingFeatures names the features (not predictions or labels) that
// alert, by name.
func alertingFeatures(r api.DriftReport) []string {
	var names []string
	for name, c := range r.Columns {
		if c.Role == "" && c.Status == api.DriftAlert {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func (e *Engine) putWindow(tx *store.Tx, w api.DriftWindow) error {
	data, err := json.Marshal(w)
	if err != nil {
		return err
	}
	return tx.PutDriftWindow(w.Model, w.Seq, data)
}

func (e *Engine) readWindow(model string, seq int, w *api.DriftWindow) error {
	return e.db.View(func(tx *store.Tx) error {
		data, err := tx.DriftWindow(model, seq)
		if err != nil {
			return fmt.Errorf("drift window %d of %s: %w", seq, model, err)
		}
		if err := json.Unmarshal(data, w); err != nil {
			return fmt.Errorf("drift window %d of %s: %w: %v", seq, model, store.ErrDamaged, err)
		}
		return nil
	})
}

// onAlert runs the on_drift hook and, when the policy says so and the
// cool-down allows, starts the champion's training run again; then the
// alert is no longer pending. resumed says an engine that stopped part-way
// is finishing it: a retrain it had started already is found, not doubled.
func (e *Engine) onAlert(ctx context.Context, model string, pol registry.Policy, w api.DriftWindow, resumed bool) (*api.HookResult, *api.Retrain) {
	var hook *api.HookResult
	var rt *api.Retrain
	features := alertingFeatures(w.DriftReport)
	if cmd := e.opts.Config.Drift.OnDrift; cmd != "" {
		h := e.runCommand(ctx, "on_drift", cmd, []string{"LATHE_MODEL=" + w.Model, "LATHE_VERSION=" + strconv.Itoa(w.Version),
			"LATHE_WINDOW=" + strconv.Itoa(w.Seq), "LATHE_WINDOW_START=" + w.Start.Format(time.RFC3339),
			"LATHE_FEATURES=" + strings.Join(features, ",")})
		hook = &api.HookResult{Command: h.Command, ExitCode: h.ExitCode, TimedOut: h.TimedOut, Output: h.Output}
	}
	if pol.Drift.Retrain {
		rt = e.retrain(ctx, model, pol, w, features, resumed)
	}
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		if hook != nil {
			if err := e.audit(tx, e.user, "drift hook", model, w.Version, map[string]any{"window": w.Seq,
				"command": hook.Command, "exit_code": hook.ExitCode, "timed_out": hook.TimedOut, "output": hook.Output}); err != nil {
				return err
			}
		}
		st, err := readDriftState(tx, model)
		if err != nil || st.Pending != w.Seq {
			return err
		}
		st.Pending = 0
		return putDriftState(tx, model, st)
	})
	if err != nil {
		e.log.Warn("finish a drift alert", "model", model, "window", w.Seq, "err", err)
	}
	return hook, rt
}

// resumeAlerts finishes the alerts an engine recorded but stopped before
// acting on (their hook and retrain).
func (e *Engine) resumeAlerts() {
	defer e.wg.Done()
	type pending struct {
		pol    registry.Policy
		window api.DriftWindow
	}
	var todo []pending
	err := e.db.View(func(tx *store.Tx) error {
		models, err := tx.Models()
		if err != nil {
			return err
		}
		for i := range models {
			st, err := readDriftState(tx, models[i].Name)
			if err != nil || st.Pending == 0 {
				continue
			}
			pol, err := policyOf(tx, &models[i])
			if err != nil {
				continue
			}
			var w api.DriftWindow
			if data, err := tx.DriftWindow(models[i].Name, st.Pending); err == nil && json.Unmarshal(data, &w) == nil {
				todo = append(todo, pending{pol, w})
			}
		}
		return nil
	})
	if err != nil {
		e.log.Warn("resume drift alerts", "err", err)
	}
	for _, p := range todo {
		e.log.Info("finishing a drift alert an earlier engine left", "model", p.window.Model, "window", p.window.Seq)
		unlock := e.alertLocks.lock(p.window.Model)
		e.onAlert(e.ctx, p.window.Model, p.pol, p.window, true)
		unlock()
		e.publishDrift(p.window.Model)
	}
}

// retrain starts the champion's training run again for an alert, unless
// a retrain started within the cool-down; either way it is recorded.
func (e *Engine) retrain(ctx context.Context, model string, pol registry.Policy, w api.DriftWindow, features []string, resumed bool) *api.Retrain {
	now := time.Now().UTC()
	rt := &api.Retrain{Time: now}
	cooldown := pol.Drift.CooldownDuration()
	alert := fmt.Sprintf("%s#%d", w.Model, w.Seq)
	var champion *store.ModelVersion
	err := e.db.View(func(tx *store.Tx) error {
		st, err := readDriftState(tx, model)
		if err != nil {
			return err
		}
		if last := st.LastRetrain; last != nil && last.Run != "" && now.Sub(last.Time) < cooldown {
			rt.Skipped = fmt.Sprintf("cool-down: run %s was started %s ago for an alert; the next may start after %s",
				short(last.Run), now.Sub(last.Time).Round(time.Second), last.Time.Add(cooldown).Format("2006-01-02 15:04 UTC"))
			return nil
		}
		m, err := tx.Model(model)
		if err != nil {
			return err
		}
		n, ok := m.Aliases[api.Champion]
		if !ok {
			rt.Skipped = "no champion: nothing to retrain"
			return nil
		}
		champion, err = tx.Version(m.Name, n)
		return err
	})
	if err != nil {
		rt.Skipped = "cannot read the model: " + err.Error()
	}
	if rt.Skipped == "" && champion != nil {
		rt.Of = champion.Run
		if resumed {
			// The engine may have stopped after starting it.
			runs, err := e.Runs(ctx, api.RunQuery{Filter: fmt.Sprintf("tags.drift_alert = %q", alert), Limit: 1})
			if err == nil && len(runs) == 1 {
				rt.Run = runs[0].ID
			}
		}
		if rt.Run == "" {
			res, err := e.Rerun(ctx, api.RerunRequest{Run: champion.Run, User: e.user, Tags: map[string]string{
				"drift_alert": alert, "drift_features": strings.Join(features, ",")}})
			if err != nil {
				rt.Skipped = "the rerun failed: " + err.Error()
			} else {
				rt.Run = res.Run.ID
			}
		}
	}
	err = e.db.Update(context.Background(), func(tx *store.Tx) error {
		st, err := readDriftState(tx, model)
		if err != nil {
			return err
		}
		if rt.Run != "" {
			st.LastRetrain = rt
			if err := putDriftState(tx, model, st); err != nil {
				return err
			}
		}
		var cur api.DriftWindow
		if data, err := tx.DriftWindow(model, w.Seq); err == nil && json.Unmarshal(data, &cur) == nil {
			cur.Retrain = rt
			if err := e.putWindow(tx, cur); err != nil {
				return err
			}
		}
		details := map[string]any{"window": w.Seq, "of": rt.Of, "features": features}
		if rt.Run != "" {
			details["run"] = rt.Run
		} else {
			details["skipped"] = rt.Skipped
		}
		return e.audit(tx, e.user, "drift retrain", model, w.Version, details)
	})
	if err != nil {
		e.log.Warn("record a drift retrain", "model", model, "err", err)
	}
	return rt
}

// Drift returns a model's drift.
func (e *Engine) Drift(ctx context.Context, q api.DriftQuery) (api.ModelDrift, error) {
	limit := q.Windows
	if limit <= 0 {
		limit = 100
	}
	var out api.ModelDrift
	err := e.db.View(func(tx *store.Tx) error {
		m, err := tx.Model(q.Model)
		if err != nil {
			return err
		}
		pol, err := policyOf(tx, m)
		if err != nil {
			return err
		}
		out = api.ModelDrift{Model: m.Name, Settings: driftSettings(pol), References: []api.DriftReference{}, Windows: []api.DriftWindow{}}
		if err := tx.DriftReferences(m.Name, func(_ int, data []byte) error {
			r, err := decodeDriftRef(data, false)
			if err != nil {
				return err
			}
			out.References = append(out.References, r.Meta)
			return nil
		}); err != nil {
			return err
		}
		if err := tx.DriftWindows(m.Name, func(seq int, data []byte) error {
			if q.Window > 0 && seq != q.Window {
				return nil
			}
			var w api.DriftWindow
			if err := json.Unmarshal(data, &w); err != nil {
				out.Damaged = append(out.Damaged, seq)
				return nil
			}
			out.Windows = append(out.Windows, w)
			if len(out.Windows) == limit {
				return store.ErrStop
			}
			return nil
		}); err != nil {
			return err
		}
		if len(out.Windows) > 0 {
			out.Status = out.Windows[0].DatasetStatus
		}
		st, err := readDriftState(tx, m.Name)
		out.LastRetrain = st.LastRetrain
		return err
	})
	return out, e.translate(err)
}

// driftSettings are a policy's drift settings as clients read them.
func driftSettings(p registry.Policy) api.DriftSettings {
	d := p.Drift
	s := api.DriftSettings{Warn: api.Float(d.PSIWarn), Alert: api.Float(d.PSIAlert), DatasetShare: api.Float(d.DatasetShare),
		Window: d.Window, Prediction: d.Prediction, Label: d.Label, Challenger: d.Challenger, Retrain: d.Retrain,
		Cooldown: d.Cooldown, Watch: d.Watch, ShadowAlpha: 0.05}
	if p.Shadow != nil {
		s.ShadowRows, s.ShadowAlpha = p.Shadow.MinRows, api.Float(p.Shadow.Alpha)
	}
	return s
}

// latestDrift is the model's latest window, or nil.
func latestDrift(tx *store.Tx, model string) (*api.DriftWindow, error) {
	var w *api.DriftWindow
	err := tx.DriftWindows(model, func(seq int, data []byte) error {
		w = new(api.DriftWindow)
		if err := json.Unmarshal(data, w); err != nil {
			return fmt.Errorf("drift window %d of %s: %w: %v", seq, model, store.ErrDamaged, err)
		}
		return store.ErrStop
	})
	return w, err
}

// liveEvidence is what production data says of a challenger for the
// gates: the latest window scored against its reference, and its shadow
// evaluation so far.
func liveEvidence(tx *store.Tx, p registry.Policy, model string, version int) (registry.Live, error) {
	var live registry.Live
	if p.RequireDriftOK {
		raw, err := tx.DriftData(model, driftWindowData)
		switch {
		case errors.Is(err, store.ErrNotFound):
			live.DriftDetail = "no production data ingested yet"
		case err != nil:
			return live, err
		default:
			var w windowData
			if err := decodeGob(raw, &w); err != nil {
				return live, err
			}
			data, err := tx.DriftReference(model, version)
			switch {
			case errors.Is(err, store.ErrNotFound):
				live.DriftDetail = fmt.Sprintf("v%d has no drift reference", version)
			case err != nil:
				return live, err
			default:
				ref, err := decodeDriftRef(data, true)
				if err != nil {
					return live, err
				}
				r := drift.Compare(&ref.Summary, &w.Current, thresholds(p.Drift), roles(p.Drift))
				live.Drift = r.Status
				live.DriftDetail = fmt.Sprintf("window #%d of %s against v%d's reference: %s", w.Seq,
					w.Start.Format("2006-01-02 15:04"), version, alertSummary(r))
			}
		}
	}
	if p.Shadow != nil {
		raw, err := tx.DriftData(model, driftShadowData+strconv.Itoa(version))
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return live, err
		default:
			var rows shadowRows
			if err := decodeGob(raw, &rows); err != nil {
				return live, err
			}
			live.Shadow = shadowOf(rows.Pred, rows.Chal, rows.Label, p.Drift, p.Shadow, version)
		}
	}
	return live, nil
}

// alertSummary says how many features alert, and which.
func alertSummary(r drift.Report) string {
	names := r.Alerting()
	features := 0
	for _, s := range r.Scores {
		if s.Role == "" {
			features++
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("no feature of %d alerts (%s)", features, r.Status)
	}
	return fmt.Sprintf("%d of %d features alert (%s)", len(names), features, strings.Join(names, ", "))
}
