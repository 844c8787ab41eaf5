package engine

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"lathe/engine/api"
	"lathe/store"
)

// modelCache keeps the models clients asked for as they were last read,
// and their JSON, so that a model of a thousand versions is decoded from
// the store and encoded for the wire once, not at every `lathe model` or
// redraw of the app's Models page. Every change to a model
// (registrations, aliases, removals) forgets it after its commit; a read
// that began before such a commit is not kept.
type modelCache struct {
	mu      sync.Mutex
	entries map[string]*cachedModel
	// gen counts the changes of each model: a read keeps its result only
	// when no change came between its start and its end.
	gen map[string]uint64
}

type cachedModel struct {
	model api.Model
	json  []byte // encoded on first need
}

// maxCachedModels bounds the cache; past it, an arbitrary model goes.
const maxCachedModels = 64

// get returns the cached model, or the generation a read must present to
// put its result.
func (c *modelCache) get(name string) (*cachedModel, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[name], c.gen[name]
}

// put keeps m unless the model changed since generation gen.
func (c *modelCache) put(m api.Model, gen uint64) *cachedModel {
	c.mu.Lock()
	defer c.mu.Unlock()
	entry := &cachedModel{model: m}
	if c.gen[m.Name] != gen {
		return entry
	}
	if c.entries == nil {
		c.entries = map[string]*cachedModel{}
	}
	if len(c.entries) >= maxCachedModels {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[m.Name] = entry
	return entry
}

// setJSON records the encoding of an entry (still cached or not).
func (c *modelCache) setJSON(entry *cachedModel, raw []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entry.json = raw
}

// forget drops a model that changed.
func (c *modelCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == nil {
		c.gen = map[string]uint64{}
	}
	c.gen[name]++
	delete(c.entries, name)
}

// cachedModel reads a model through the cache.
func (e *Engine) cachedModel(ctx context.Context, name string) (*cachedModel, error) {
	entry, gen := e.modelCache.get(name)
	if entry != nil {
		return entry, nil
	}
	m, err := e.readModel(name)
	if err != nil {
		return nil, err
	}
	return e.modelCache.put(m, gen), nil
}

// modelJSON is a model as the socket sends it.
func (e *Engine) modelJSON(ctx context.Context, name string) ([]byte, error) {
	entry, err := e.cachedModel(ctx, name)
	if err != nil {
		return nil, err
	}
	e.modelCache.mu.Lock()
	raw := entry.json
	e.modelCache.mu.Unlock()
	if raw != nil {
		return raw, nil
	}
	raw, err = json.Marshal(entry.model)
	if err != nil {
		return nil, err
	}
	raw = append(raw, '\n')
	e.modelCache.setJSON(entry, raw)
	return raw, nil
}

// warmModels reads the models changed last into the cache as the engine
// starts, so that the first `lathe model` or Models page does not wait for
// a thousand versions to be decoded.
func (e *Engine) warmModels() {
	var models []store.Model
	if err := e.db.View(func(tx *store.Tx) error {
		var err error
		models, err = tx.Models()
		return err
	}); err != nil {
		return
	}
	slices.SortFunc(models, func(a, b store.Model) int { return b.Updated.Compare(a.Updated) })
	for _, m := range models[:min(len(models), maxWarmModels)] {
		if e.ctx.Err() != nil {
			return
		}
		e.modelJSON(e.ctx, m.Name)
	}
}

// maxWarmModels is how many models the engine reads as it starts.
const maxWarmModels = 8
