//go:build fixture

package store

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFixture writes testdata/v1.db; run it only with the schema
// version the file is named for.
func TestWriteFixture(t *testing.T) {
	path := filepath.Join("testdata", "v1.db")
	os.Remove(path)
	writeFixture(t, path)
}
