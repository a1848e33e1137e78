package duckdb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenNotAStore(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.duckdb")
	os.WriteFile(bad, []byte("not a database, just text\n"), 0o644)
	for _, opt := range []Options{{}, {ReadOnly: true}} {
		_, err := Open(context.Background(), bad, opt)
		if err == nil || !strings.Contains(err.Error(), "is not an rrstat store") || strings.Contains(err.Error(), "IO Error") {
			t.Errorf("open %+v of a text file: %v", opt, err)
		}
	}
	b, _ := os.ReadFile(bad)
	if string(b) != "not a database, just text\n" {
		t.Error("open changed a file that is not a store")
	}
	_, err := Open(context.Background(), filepath.Join(dir, "none.duckdb"), Options{ReadOnly: true})
	if !errors.Is(err, ErrNoStore) {
		t.Errorf("read-only open of no file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.duckdb")); err == nil {
		t.Error("a read-only open created the store")
	}
}
