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
