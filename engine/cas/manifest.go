package cas

import (
	"encoding/json"
	"fmt"
	"path/filepath"
)

// manifest lists the files of a folder; its encoding is its identity, so
// it is written the same way every time (files sorted by path, fields in a
// fixed order).
type manifest struct {
	Files []manifestFile `json:"files"`
}

type manifestFile struct {
	Path   string `json:"path"` // slash-separated, inside the folder
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Exec is the owner's exec bit (artifacts only: a data set's digest
	// does not change with its modes).
	Exec bool `json:"exec,omitempty"`
	// Partial: SHA256 is of the size, modification time and first and
	// last MiB (data sets only).
	Partial bool `json:"partial,omitempty"`
}

func (m manifest) encode() []byte {
	raw, err := json.Marshal(m)
	if err != nil {
		panic(err) // strings, integers and booleans only
	}
	return raw
}

func decodeManifest(raw []byte) (manifest, error) {
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("manifest: %w", err)
	}
	for _, f := range m.Files {
		if !validDigest(f.SHA256) || !filepath.IsLocal(filepath.FromSlash(f.Path)) {
			return m, fmt.Errorf("manifest: bad entry %q", f.Path)
		}
	}
	return m, nil
}
