// Package duckdb is everything that talks to DuckDB: the store file, the
// validated load of exports into snapshots, and the indicator queries.
package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ErrInUse is returned when another process holds the store.
var ErrInUse = errors.New("store in use")

// ErrNoStore is returned when a read-only open finds no store file.
var ErrNoStore = errors.New("no store")

//go:embed schema.sql
var schemaSQL string

// schemaVersion is recorded in the store; a store of another version is
// refused. Version 2 added the release ledger; a store of version 1 is
// upgraded when opened for writing (the ledger tables are created empty)
// and read as it is (with an empty ledger).
const schemaVersion = "2"

// readableVersions are the versions a read-only open accepts.
var readableVersions = []string{"1", "2"}

// Store is an open store file.
type Store struct {
	DB       *sql.DB
	Path     string
	ReadOnly bool
	// QueryWorkers is how many indicator queries run at once (default 2).
	QueryWorkers int
	writeMu      sync.Mutex // loads run one at a time
}

// Options control Open.
type Options struct {
	ReadOnly bool
	// MemoryLimit caps DuckDB's memory ("1GB"); empty leaves DuckDB's default.
	MemoryLimit string
	// Threads caps DuckDB's threads; 0 leaves the default (one per core).
	Threads int
	// TempDirectory is where DuckDB spills what does not fit in
	// MemoryLimit; empty leaves DuckDB's default (<store>.tmp).
	TempDirectory string
	// Lockdown turns off DuckDB's access to the file system, except for
	// AllowedDirs, and locks the configuration once the store is set up
	// (the HTTP service uses it: SQL can then read no file but the uploads
	// it was given).
	Lockdown    bool
	AllowedDirs []string
}

// settings applied to every connection: no extension is ever installed or
// loaded from the network, and dates never shift with the machine's time
// zone.
var settings = []string{
	"SET autoinstall_known_extensions = false",
	"SET autoload_known_extensions = false",
	// GLOBAL: also the default of connections opened after a lockdown.
	"SET GLOBAL TimeZone = 'UTC'",
}

// Open opens (creating when absent, unless read-only) the store at path.
// A store held by another process gives an error wrapping ErrInUse that
// says so in plain words.
func Open(ctx context.Context, path string, opt Options) (*Store, error) {
	if opt.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("%w: %s does not exist; load an export first (rrstat load)", ErrNoStore, path)
		}
	}
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	if opt.ReadOnly {
		q.Set("access_mode", "read_only")
	}
	if opt.Threads > 0 {
		q.Set("threads", fmt.Sprint(opt.Threads))
	}
	if opt.MemoryLimit != "" {
		q.Set("memory_limit", opt.MemoryLimit)
	}
	if opt.TempDirectory != "" {
		q.Set("temp_directory", opt.TempDirectory)
	}
	dsn := path + "?" + q.Encode()
	// Connections are opened later too, when a pool grows: their set-up
	// must not depend on the context that opened the store.
	ctxConn := context.WithoutCancel(ctx)
	connector, err := duckdb.NewConnector(dsn, func(execer driver.ExecerContext) error {
		// After a lockdown the settings are locked (and global): a new
		// connection inherits them and may not set them again.
		if locked, err := isLocked(ctxConn, execer); err != nil || locked {
			return err
		}
		for _, s := range settings {
			if _, err := execer.ExecContext(ctxConn, s, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, friendlyOpenError(path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, friendlyOpenError(path, err)
	}
	s := &Store{DB: db, Path: path, ReadOnly: opt.ReadOnly, QueryWorkers: 2}
	if !opt.ReadOnly {
		if err := s.migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	} else if err := s.checkVersion(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if opt.Lockdown {
		dirs := make([]string, len(opt.AllowedDirs))
		for i, d := range opt.AllowedDirs {
			dirs[i] = sqlString(strings.TrimSuffix(d, "/") + "/")
		}
		stmts := []string{"SET enable_external_access = false", "SET lock_configuration = true"}
		if len(dirs) > 0 {
			stmts = append([]string{"SET allowed_directories = [" + strings.Join(dirs, ", ") + "]"}, stmts...)
		}
		for _, stmt := range stmts {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				db.Close()
				return nil, fmt.Errorf("lock down store: %w", err)
			}
		}
	}
	return s, nil
}

func isLocked(ctx context.Context, execer driver.ExecerContext) (bool, error) {
	q, ok := execer.(driver.QueryerContext)
	if !ok {
		return false, nil
	}
	rows, err := q.QueryContext(ctx, "SELECT current_setting('lock_configuration')", nil)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	vals := make([]driver.Value, 1)
	if err := rows.Next(vals); err != nil {
		return false, err
	}
	b, _ := vals[0].(bool)
	return b, nil
}

// Close closes the store.
func (s *Store) Close() error {
	defer trace(stampNow(), "close (checkpoint)")
	return s.DB.Close()
}

var reHolder = regexp.MustCompile(`held in (\S+) \(PID (\d+)\)`)
var rePID = regexp.MustCompile(`PID (\d+)`)

// InUseError is the error of an open that found the store held by another
// process. It wraps ErrInUse.
type InUseError struct {
	Path string
	// Holder names the other process: its program and PID ("rrstat (PID
	// 4242)") when DuckDB tells them, else "another process".
	Holder string
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%v: the store %s is in use by %s, for example a load or the rrstat service; wait until it has finished, or stop it, and try again", ErrInUse, e.Path, e.Holder)
}

func (e *InUseError) Unwrap() error { return ErrInUse }

// friendlyOpenError turns DuckDB's lock conflict into a message a
// programme officer understands, and hides the driver's details otherwise.
func friendlyOpenError(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock") {
		who := "another process"
		if m := reHolder.FindStringSubmatch(msg); m != nil {
			who = filepath.Base(m[1]) + " (PID " + m[2] + ")"
		} else if m := rePID.FindStringSubmatch(msg); m != nil {
			who = "another process (PID " + m[1] + ")"
		}
		return &InUseError{Path: path, Holder: who}
	}
	if strings.Contains(msg, "not a valid DuckDB database file") {
		return fmt.Errorf("open store %s: the file is not an rrstat store (not a DuckDB database file); give another --db", path)
	}
	if strings.Contains(msg, "database file") {
		return fmt.Errorf("open store %s: not an rrstat store (DuckDB file): %v", path, firstLine(msg))
	}
	return fmt.Errorf("open store %s: %v", path, firstLine(msg))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (s *Store) migrate(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, stmt := range splitSQL(schemaSQL) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("create store schema: %w", err)
			}
		}
		var v string
		err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'schema_version'").Scan(&v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, "INSERT INTO meta VALUES ('schema_version', ?)", schemaVersion); err != nil {
				return err
			}
		case err != nil:
			return err
		case v == "1":
			if _, err := tx.ExecContext(ctx, "UPDATE meta SET value = ? WHERE key = 'schema_version'", schemaVersion); err != nil {
				return err
			}
		case v != schemaVersion:
			return fmt.Errorf("store %s has schema version %s; this rrstat reads version %s", s.Path, v, schemaVersion)
		}
		return dropOrphans(ctx, tx)
	})
}

// inTx runs fn in a transaction: committed if fn succeeds, rolled back
// otherwise.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

var reSnapTable = regexp.MustCompile(`^s(\d+)_(returnees|needs|services|followups)$`)

// dropOrphans removes the tables of loads that never became a snapshot: a
// load interrupted between reading its rows and recording the snapshot.
func dropOrphans(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary`)
	if err != nil {
		return err
	}
	var orphans []string
	known := map[string]bool{}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		names = append(names, name)
	}
	rows.Close()
	snaps, err := tx.QueryContext(ctx, "SELECT snap FROM snapshots")
	if err != nil {
		return err
	}
	for snaps.Next() {
		var n int64
		if err := snaps.Scan(&n); err != nil {
			snaps.Close()
			return err
		}
		known[fmt.Sprint(n)] = true
	}
	snaps.Close()
	for _, name := range names {
		if m := reSnapTable.FindStringSubmatch(name); m != nil && !known[m[1]] {
			orphans = append(orphans, name)
		}
	}
	for _, name := range orphans {
		if _, err := tx.ExecContext(ctx, "DROP TABLE "+name); err != nil {
			return fmt.Errorf("drop unfinished load %s: %w", name, err)
		}
	}
	return nil
}

func (s *Store) checkVersion(ctx context.Context) error {
	var v string
	if err := s.DB.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'schema_version'").Scan(&v); err != nil {
		return fmt.Errorf("store %s is not an rrstat store", s.Path)
	}
	if !slices.Contains(readableVersions, v) {
		return fmt.Errorf("store %s has schema version %s; this rrstat reads version %s", s.Path, v, schemaVersion)
	}
	return nil
}

// splitSQL splits a script of statements separated by ";" at line ends.
func splitSQL(script string) []string {
	var out []string
	for _, s := range strings.Split(script, ";\n") {
		if s = strings.TrimSpace(s); s != "" && !isComment(s) {
			out = append(out, s)
		}
	}
	return out
}

func isComment(s string) bool {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
			return false
		}
	}
	return true
}
