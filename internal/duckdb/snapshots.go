package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"rrstat/internal/export"
	"rrstat/internal/report"
)

// ErrUnknownSnapshot is returned for a snapshot id the store does not hold.
var ErrUnknownSnapshot = errors.New("unknown snapshot")

const snapshotColumns = `s.snap, s.snapshot_id, s.country, s.loaded_at, s.content_sha256, s.source,
	s.persons, s.rows_loaded, c.snap IS NOT NULL AS current, s.summary::VARCHAR`

func scanSnapshot(sc interface{ Scan(...any) error }) (report.Snapshot, int64, error) {
	var sn report.Snapshot
	var snap int64
	var loadedAt time.Time
	var summary string
	if err := sc.Scan(&snap, &sn.ID, &sn.Country, &loadedAt, &sn.ContentSHA256, &sn.Source, &sn.Persons, &sn.Rows, &sn.Current, &summary); err != nil {
		return sn, 0, err
	}
	sn.LoadedAt = loadedAt.UTC()
	var sum export.Summary
	if err := json.Unmarshal([]byte(summary), &sum); err == nil {
		sn.Summary = &sum
	}
	return sn, snap, nil
}

// Snapshots lists every snapshot, oldest first.
func (s *Store) Snapshots(ctx context.Context) ([]report.Snapshot, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+snapshotColumns+`
		FROM snapshots AS s LEFT JOIN current_snapshots AS c ON c.snap = s.snap ORDER BY s.snap`)
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	defer rows.Close()
	out := []report.Snapshot{}
	for rows.Next() {
		sn, _, err := scanSnapshot(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sn)
	}
	return out, rows.Err()
}

// selected is a snapshot chosen for a report, with its internal number.
type selected struct {
	report.Snapshot
	snap int64
}

// selectSnapshots returns the snapshots a report covers: the current
// snapshot of each country, where a snapshot given by id replaces the
// current one of its country (cli.md), limited to countries when given,
// ordered by country. It fails for an unknown id or country, for two ids
// of one country, and for an id whose country the countries leave out.
func (s *Store) selectSnapshots(ctx context.Context, ids, countries []string) ([]selected, error) {
	var out []selected
	rows, err := s.DB.QueryContext(ctx, `SELECT `+snapshotColumns+`
		FROM snapshots AS s JOIN current_snapshots AS c ON c.snap = s.snap ORDER BY s.country`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		sn, snap, err := scanSnapshot(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, selected{sn, snap})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	given := map[string]string{} // country -> id given
	for _, id := range ids {
		row := s.DB.QueryRowContext(ctx, `SELECT `+snapshotColumns+`
			FROM snapshots AS s LEFT JOIN current_snapshots AS c ON c.snap = s.snap WHERE s.snapshot_id = ?`, id)
		sn, snap, err := scanSnapshot(row)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%w %q: see rrstat snapshots for the ids", ErrUnknownSnapshot, id)
		}
		if err != nil {
			return nil, err
		}
		if prev, ok := given[sn.Country]; ok {
			return nil, fmt.Errorf("snapshots %s and %s are both of %s; a report takes one snapshot per country", prev, id, sn.Country)
		}
		given[sn.Country] = id
		replaced := false
		for i := range out {
			if out[i].Country == sn.Country {
				out[i], replaced = selected{sn, snap}, true
			}
		}
		if !replaced {
			out = append(out, selected{sn, snap})
		}
	}
	if len(countries) > 0 {
		want := map[string]bool{}
		have := map[string]bool{}
		for _, sn := range out {
			have[sn.Country] = true
		}
		for _, c := range countries {
			if !have[c] {
				return nil, fmt.Errorf("%w %s: the store has no snapshot of it", ErrUnknownCountry, c)
			}
			want[c] = true
		}
		for c, id := range given {
			if !want[c] {
				return nil, fmt.Errorf("snapshot %s is of %s, which --country leaves out; add --country %s or drop --snapshot %s", id, c, c, id)
			}
		}
		var kept []selected
		for _, sn := range out {
			if want[sn.Country] {
				kept = append(kept, sn)
			}
		}
		out = kept
	}
	sortSelected(out)
	return out, nil
}

// ErrUnknownCountry is returned for a --country the store has no snapshot of.
var ErrUnknownCountry = errors.New("unknown country")

// ErrEmptyStore is returned when a report finds no snapshot.
var ErrEmptyStore = errors.New("empty store")

func sortSelected(s []selected) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Country < s[j-1].Country; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
