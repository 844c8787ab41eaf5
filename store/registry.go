package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The registry's buckets, created by the first registration.
var (
	bucketModels   = []byte("models")
	bucketVersions = []byte("versions")
)

// Model is a registered model: its aliases and the count of its versions.
type Model struct {
	Name      string    `json:"name"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
	Updated   time.Time `json:"updated"`
	// PrimaryMetric and Direction ("max" or "min") say how versions are
	// compared.
	PrimaryMetric string `json:"primary_metric,omitempty"`
	Direction     string `json:"direction,omitempty"`
	// LastVersion is the highest number given; a new version takes the
	// next, so a number removed is never given again.
	LastVersion int            `json:"last_version"`
	Aliases     map[string]int `json:"aliases"`
	// Count is how many versions remain.
	Count       int               `json:"count"`
	Description string            `json:"description,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// VersionArtifact is the artifact of a version: what was copied, and the
// digest that finds its copy.
type VersionArtifact struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Kind   string `json:"kind"`
	Files  int    `json:"files,omitempty"`
}

// ModelVersion is one version of a model, with the snapshot of the run it
// was registered from.
type ModelVersion struct {
	Model        string                      `json:"model"`
	Version      int                         `json:"version"`
	Run          string                      `json:"run"`
	RunName      string                      `json:"run_name"`
	Experiment   string                      `json:"experiment"`
	RunStatus    Status                      `json:"run_status"`
	Description  string                      `json:"description,omitempty"`
	Artifact     VersionArtifact             `json:"artifact"`
	Params       map[string]string           `json:"params"`
	Metrics      map[string]Float            `json:"metrics"`
	Evals        map[string]map[string]Float `json:"evals,omitempty"`
	Git          *Git                        `json:"git"`
	Datasets     []Dataset                   `json:"datasets,omitempty"`
	RegisteredBy string                      `json:"registered_by"`
	Registered   time.Time                   `json:"registered"`
	Tags         map[string]string           `json:"tags,omitempty"`
}

// versionKey is a model's name, 0x00 and the version (uint32 BE): a model's
// versions are adjacent and in order.
func versionKey(model string, version int) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(model), 0), uint32(version))
}

// Model reads a model (ErrNotFound when there is none of that name).
func (tx *Tx) Model(name string) (*Model, error) {
	if tx.btx.Bucket(bucketModels) == nil {
		return nil, fmt.Errorf("model %q: %w", name, ErrNotFound)
	}
	var m Model
	if err := tx.getJSON(bucketModels, []byte(name), &m); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("model %q: %w", name, ErrNotFound)
		}
		return nil, err
	}
	return &m, nil
}

// PutModel writes a model.
func (tx *Tx) PutModel(m *Model) error {
	if _, err := tx.btx.CreateBucketIfNotExists(bucketModels); err != nil {
		return err
	}
	return tx.putJSON(bucketModels, []byte(m.Name), m)
}

// Models lists the models, by name.
func (tx *Tx) Models() ([]Model, error) {
	out := []Model{}
	if tx.btx.Bucket(bucketModels) == nil {
		return out, nil
	}
	err := tx.bucket(bucketModels).ForEach(func(k, _ []byte) error {
		var m Model
		if err := tx.getJSON(bucketModels, k, &m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// PutVersion writes a version.
func (tx *Tx) PutVersion(v *ModelVersion) error {
	if _, err := tx.btx.CreateBucketIfNotExists(bucketVersions); err != nil {
		return err
	}
	return tx.putJSON(bucketVersions, versionKey(v.Model, v.Version), v)
}

// Version reads one version of a model.
func (tx *Tx) Version(model string, version int) (*ModelVersion, error) {
	notFound := fmt.Errorf("model %q has no version %d: %w", model, version, ErrNotFound)
	if tx.btx.Bucket(bucketVersions) == nil || version <= 0 {
		return nil, notFound
	}
	var v ModelVersion
	if err := tx.getJSON(bucketVersions, versionKey(model, version), &v); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, notFound
		}
		return nil, err
	}
	return &v, nil
}

// Versions lists a model's versions, newest first: the newest limit of
// them when limit > 0.
func (tx *Tx) Versions(model string, limit int) ([]ModelVersion, error) {
	out := []ModelVersion{}
	err := forEachModelKey(tx.btx.Bucket(bucketVersions), model, true, func(_ int, raw []byte) error {
		var v ModelVersion
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("%w: %s of %s: %v", ErrDamaged, bucketVersions, model, err)
		}
		out = append(out, v)
		if len(out) == limit {
			return ErrStop
		}
		return nil
	})
	return out, err
}

// DeleteVersion removes a version; the model keeps its number taken.
func (tx *Tx) DeleteVersion(model string, version int) error {
	if _, err := tx.Version(model, version); err != nil {
		return err
	}
	return tx.bucket(bucketVersions).Delete(versionKey(model, version))
}

// ArtifactInUse reports whether any version keeps the artifact of that
// digest.
func (tx *Tx) ArtifactInUse(sha256 string) (bool, error) {
	if tx.btx.Bucket(bucketVersions) == nil {
		return false, nil
	}
	var inUse bool
	err := tx.bucket(bucketVersions).ForEach(func(k, _ []byte) error {
		var v ModelVersion
		if err := tx.getJSON(bucketVersions, k, &v); err != nil {
			return err
		}
		inUse = inUse || v.Artifact.SHA256 == sha256
		return nil
	})
	return inUse, err
}
