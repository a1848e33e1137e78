package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"rrstat/internal/export"
	"rrstat/internal/source"
)

// checkRows refuses an export of more rows than opt.MaxRows. CSV files
// and sheets were counted by the source; a Parquet file's rows are read
// from its footer.
func (l *loader) checkRows(ctx context.Context) error {
	if l.opt.MaxRows <= 0 {
		return nil
	}
	var rows int64
	for _, tn := range export.TableNames {
		t := l.ex.Tables[tn]
		if t == nil {
			continue
		}
		n := t.Rows()
		if t.Format == source.Parquet {
			var m sql.NullInt64
			err := l.conn.QueryRowContext(ctx, "SELECT sum(num_rows) FROM parquet_file_metadata(?)", t.Path).Scan(&m)
			if err != nil {
				return fmt.Errorf("%s: not a readable Parquet file: %s", t.File, readFailure(err))
			}
			n = m.Int64
		}
		rows += n
		if rows > l.opt.MaxRows {
			return fmt.Errorf("%w: the export holds more than %d rows, the limit", source.ErrTooLarge, l.opt.MaxRows)
		}
	}
	return nil
}

var (
	reQuoted    = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	reErrorKind = regexp.MustCompile(`^[A-Za-z ]*Error: `)
)

// readFailure says in plain words why DuckDB could not read a file: its
// message without the error class, without quoted names (internal paths
// among them), on one line; a Parquet footer problem is named as the
// damage it is.
func readFailure(err error) string {
	msg := firstLine(err.Error())
	switch low := strings.ToLower(msg); {
	case strings.Contains(low, "footer") || strings.Contains(low, "magic bytes") || strings.Contains(low, "too small to be a parquet file"):
		return "the file is damaged or cut short (its Parquet footer is missing or wrong)"
	case strings.Contains(low, "parquet") && (strings.Contains(low, "corrupt") || strings.Contains(low, "invalid")):
		return "the file is damaged (its Parquet data cannot be decoded)"
	}
	msg = reErrorKind.ReplaceAllString(msg, "")
	msg = reQuoted.ReplaceAllString(msg, "the file")
	return strings.TrimSpace(msg)
}

// sampleSize is how many rows of the query that broke MaxRejects are
// listed, for their reasons.
const sampleSize = 1000

// sampleOf limits a query of rows (ord first) to its first sampleSize.
func sampleOf(q string) string {
	return fmt.Sprintf("SELECT * FROM (%s) AS q ORDER BY 1 LIMIT %d", q, sampleSize)
}

// overCap counts the rows query q would add to the rejected and merged
// rows of table tn that the load holds (extra more besides), and when
// they pass opt.MaxRejects, marks the load stopped and returns its error.
// q's first column is the record number, ord.
func (l *loader) overCap(ctx context.Context, tn, q string, extra int64) error {
	if l.opt.MaxRejects <= 0 {
		return nil
	}
	cq := "SELECT count(*) FROM (" + q + ") AS q"
	if l.badCreated {
		cq += fmt.Sprintf(" WHERE q.ord NOT IN (SELECT ord FROM rr_bad WHERE tbl = '%s')", tn)
	}
	var n int64
	if err := l.conn.QueryRowContext(ctx, cq).Scan(&n); err != nil {
		return err
	}
	held := int64(len(l.keyRejects))
	for _, b := range l.bad {
		held += int64(len(b))
	}
	if held+n+extra <= l.opt.MaxRejects {
		return nil
	}
	l.stopped = true
	return fmt.Errorf("%w: %s: more than %d rows of the export are rejected or merged (%d found so far), more than a load may list; nothing was loaded. The first of them are listed: fix what they show and load the export again",
		ErrLoadFailed, l.ex.Tables[tn].File, l.opt.MaxRejects, held+n+extra)
}
