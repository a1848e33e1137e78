package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"rrstat/internal/cell"
	"rrstat/internal/release"
)

// The states of a release in the ledger. A release is recorded pending
// just before its report folder is put in place, and marked published just
// after; a crash in between leaves it pending, and Releases settles it by
// the folder: published when the folder's manifest names it, dropped (it
// was never shown to anyone) otherwise.
const (
	StatePending   = "pending"
	StatePublished = "published"
)

// ManifestReleaseKey is the key of manifest.json that names the release.
const ManifestReleaseKey = "release_id"

// hasLedger reports whether the store has the ledger tables (a store of
// schema version 1 opened read-only has none: its ledger is empty).
func (s *Store) hasLedger(ctx context.Context) (bool, error) {
	var n int
	err := s.DB.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'releases'`).Scan(&n)
	return n > 0, err
}

// Releases returns the ledger, oldest first, with every cell. Pending
// releases are settled by their folder; in a store opened for writing the
// settlement is recorded.
func (s *Store) Releases(ctx context.Context) ([]*release.Release, error) {
	ok, err := s.hasLedger(ctx)
	if err != nil || !ok {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT release_id, seq, created_at, period, window_periods, k, countries, snapshots,
		folder, state, primary_suppressed, secondary_suppressed, series_suppressed FROM releases ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("read the release ledger: %w", err)
	}
	var out []*release.Release
	byID := map[string]*release.Release{}
	var settle []struct{ id, state string }
	for rows.Next() {
		r := &release.Release{}
		var countries, snaps, folder, state string
		if err := rows.Scan(&r.ID, &r.Seq, &r.CreatedAt, &r.Period, &r.Window, &r.K, &countries, &snaps, &folder, &state,
			&r.Primary, &r.Secondary, &r.Series); err != nil {
			rows.Close()
			return nil, err
		}
		r.CreatedAt = r.CreatedAt.UTC()
		r.Countries = splitList(countries)
		r.Snapshots = splitList(snaps)
		r.Folder = folder
		if state == StatePending {
			if !folderNames(folder, r.ID) {
				settle = append(settle, struct{ id, state string }{r.ID, ""})
				continue
			}
			settle = append(settle, struct{ id, state string }{r.ID, StatePublished})
		}
		out = append(out, r)
		byID[r.ID] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !s.ReadOnly {
		for _, st := range settle {
			if st.state == StatePublished {
				err = s.PublishRelease(ctx, st.id)
			} else {
				err = s.DropRelease(ctx, st.id)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	crows, err := s.DB.QueryContext(ctx, `SELECT c.release_id, indicator, kind, c.period, p0, p1, country, dimension, category, flag, numerator, denominator
		FROM release_cells AS c JOIN releases AS r USING (release_id) ORDER BY r.seq, c.rowid`)
	if err != nil {
		return nil, fmt.Errorf("read the release ledger: %w", err)
	}
	defer crows.Close()
	for crows.Next() {
		var id, kind, flag string
		var c release.Cell
		if err := crows.Scan(&id, &c.Indicator, &kind, &c.Period, &c.Start, &c.End, &c.Country, &c.Dimension, &c.Category, &flag, &c.Numerator, &c.Denominator); err != nil {
			return nil, err
		}
		r := byID[id]
		if r == nil {
			continue // a pending release that was never shown
		}
		c.Kind, c.Flag = cell.Kind(kind), cell.Flag(flag)
		c.Start, c.End = c.Start.UTC(), c.End.UTC()
		r.Cells = append(r.Cells, c)
	}
	return out, crows.Err()
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// folderNames reports whether the report folder's manifest names the
// release.
func folderNames(folder, id string) bool {
	b, err := os.ReadFile(filepath.Join(folder, "manifest.json"))
	if err != nil {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	var got string
	return json.Unmarshal(m[ManifestReleaseKey], &got) == nil && got == id
}

// NextReleaseSeq returns the number the next release gets.
func (s *Store) NextReleaseSeq(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := s.DB.QueryRowContext(ctx, "SELECT max(seq) FROM releases").Scan(&n); err != nil {
		return 0, err
	}
	return n.Int64 + 1, nil
}

// RecordRelease records a release as pending, with every cell, in one
// transaction; folder is where its report is about to be put.
func (s *Store) RecordRelease(ctx context.Context, r *release.Release, folder string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Seq, r.CreatedAt.UTC(), r.Period, r.Window, r.K, strings.Join(r.Countries, ","), strings.Join(r.Snapshots, ","),
			folder, StatePending, r.Primary, r.Secondary, r.Series); err != nil {
			return fmt.Errorf("record release %s: %w", r.ID, err)
		}
		const batch = 500
		for start := 0; start < len(r.Cells); start += batch {
			end := min(start+batch, len(r.Cells))
			var sb strings.Builder
			sb.WriteString("INSERT INTO release_cells VALUES ")
			args := make([]any, 0, (end-start)*12)
			for i := start; i < end; i++ {
				c := &r.Cells[i]
				if i > start {
					sb.WriteString(", ")
				}
				sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, r.ID, c.Indicator, string(c.Kind), c.Period, c.Start.Format(time.DateOnly), c.End.Format(time.DateOnly),
					c.Country, c.Dimension, c.Category, string(c.Flag), c.Numerator, c.Denominator)
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				return fmt.Errorf("record release %s: %w", r.ID, err)
			}
		}
		return nil
	})
}

// PublishRelease marks a pending release published: its folder is in place.
func (s *Store) PublishRelease(ctx context.Context, id string) error {
	_, err := s.DB.ExecContext(ctx, "UPDATE releases SET state = ? WHERE release_id = ? AND state = ?", StatePublished, id, StatePending)
	return err
}

// DropRelease removes a pending release whose folder never came into
// place: no one was shown its cells.
func (s *Store) DropRelease(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var state string
		if err := tx.QueryRowContext(ctx, "SELECT state FROM releases WHERE release_id = ?", id).Scan(&state); err != nil {
			return err
		}
		if state != StatePending {
			return fmt.Errorf("release %s is %s; the ledger is never edited", id, state)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM release_cells WHERE release_id = ?", id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM releases WHERE release_id = ?", id)
		return err
	})
}

// Held gives a store already open the Read and Write of a store access
// (publish.Store), for a caller that holds the store for its whole run
// (tests; the command line until it shares the store). Write needs a
// store opened for writing.
type Held struct{ *Store }

// Read runs fn on the store.
func (h Held) Read(ctx context.Context, fn func(*Store) error) error { return fn(h.Store) }

// Write runs fn on the store, which must be writable.
func (h Held) Write(ctx context.Context, fn func(*Store) error) error {
	if h.ReadOnly {
		return fmt.Errorf("the store %s is open read-only; a donor report records its release in it", h.Path)
	}
	return fn(h.Store)
}
