package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"rrstat/internal/period"
	"rrstat/internal/report"
)

// Coverage is what the snapshots a report would cover hold for its period:
// enough for the command line to warn, before a report is made, about a
// period without data or a country too small for its threshold.
type Coverage struct {
	// Snapshots are the selected snapshots, in country order.
	Snapshots []report.Snapshot
	// InPeriod counts the records dated within the period, over every
	// selected snapshot: returns, case closures, needs identified,
	// services and follow-ups.
	InPeriod int64
	// First and Last are the earliest and latest of those dates in the
	// selected snapshots, whatever the period (zero when there is none).
	First, Last time.Time
}

// dateColumns are the dates of each table that place a record in time.
var dateColumns = []struct{ table, column string }{
	{"returnees", "return_date"},
	{"returnees", "case_closed_date"},
	{"needs", "identified_date"},
	{"services", "service_date"},
	{"followups", "followup_date"},
}

// Coverage returns what the selection holds for period p. It fails as a
// report would for an unknown snapshot or country, and with ErrEmptyStore
// when nothing is selected.
func (s *Store) Coverage(ctx context.Context, sel Selection, p period.Period) (*Coverage, error) {
	snaps, err := s.selectSnapshots(ctx, sel.SnapshotIDs, sel.Countries)
	if err != nil {
		return nil, err
	}
	if len(snaps) == 0 {
		return nil, fmt.Errorf("%w: there is no snapshot to report on; load an export first (rrstat load)", ErrEmptyStore)
	}
	c := &Coverage{}
	var parts []string
	for _, sn := range snaps {
		c.Snapshots = append(c.Snapshots, sn.Snapshot)
		for _, dc := range dateColumns {
			parts = append(parts, fmt.Sprintf("SELECT %s AS d FROM %s WHERE %s IS NOT NULL", dc.column, snapTable(sn.snap, dc.table), dc.column))
		}
	}
	q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE d BETWEEN $start AND $end), min(d), max(d) FROM (%s)`, strings.Join(parts, "\nUNION ALL\n"))
	var first, last sql.NullTime
	err = s.DB.QueryRowContext(ctx, q, sql.Named("start", period.ISO(p.Start)), sql.Named("end", period.ISO(p.End))).Scan(&c.InPeriod, &first, &last)
	if err != nil {
		return nil, fmt.Errorf("read the dates of the snapshots: %w", err)
	}
	c.First, c.Last = first.Time.UTC(), last.Time.UTC()
	return c, nil
}
