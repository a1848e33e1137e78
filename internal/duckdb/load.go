package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"rrstat/internal/export"
	"rrstat/internal/source"
)

// LoadOptions control a load.
type LoadOptions struct {
	// MaxRejectPct is the largest share of a table's rows (per cent) that may
	// be rejected before the whole load fails (--max-reject); nil means the
	// default, DefaultMaxRejectPct. Zero allows no reject at all.
	MaxRejectPct *float64
	// Now is the time of loading (UTC); its date is "the day of loading"
	// after which no date may lie. Zero means time.Now().
	Now time.Time
	// DryRun validates without storing anything (rrstat validate).
	DryRun bool
	// Progress, when set, is told the stage and the work done so far, in
	// source bytes.
	Progress func(stage string, done, total int64)
	// MaxMergeWarnings caps the merged-need warnings listed in the summary
	// (all merges are counted and stored); 0 means 100.
	MaxMergeWarnings int
	// MaxRows, when set, refuses an export of more data rows (all tables)
	// with an error wrapping source.ErrTooLarge, before any row is read.
	MaxRows int64
	// MaxRejects, when set, bounds the rejected and merged rows a load
	// holds for its summary: a load that finds more fails (ErrLoadFailed)
	// as soon as a query counts them, before they are read; its summary
	// then lists those found so far and a sample, and no counts.
	MaxRejects int64
	// asText reads every field as text, as if the scan had vouched for no
	// form and no key (for tests: both ways must store the same).
	asText bool
}

// DefaultMaxRejectPct is --max-reject's default (data-contract.md).
const DefaultMaxRejectPct = 5.0

// Percent returns a pointer to p, for LoadOptions.MaxRejectPct.
func Percent(p float64) *float64 { return &p }

// ErrLoadFailed is wrapped by the error of a load that was refused after
// validation (too many rejects, mixed countries, no person).
var ErrLoadFailed = errors.New("load failed")

// Load validates the export and, unless opt.DryRun, stores it as a new
// snapshot of its country, or changes nothing.
//
// The rows are read in one pass per table, straight from the source into
// the snapshot's own tables (s<snap>_<table>), with the row rules that need
// only the row evaluated on the way: each row's _reject is the number of the
// first rule it breaks. That transaction commits, so that the rows' ids are
// their record numbers; the snapshot does not exist yet. A second
// transaction applies the rules that need the person's row and the key
// rules, deletes rejected and merged rows, and records the snapshot and
// makes it current. If anything fails the snapshot's tables are dropped;
// after a crash between the two, Open drops them (they belong to no
// snapshot and no report can see them).
//
// An export whose content hash equals a current snapshot's is reported
// unchanged and nothing is written. The returned summary is complete also
// when the load failed (Status failed, Error set); the error then wraps
// export.ErrRefused or ErrLoadFailed, or is an internal failure.
func (s *Store) Load(ctx context.Context, ex *source.Export, opt LoadOptions) (*export.Summary, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC()
	if opt.MaxRejectPct == nil {
		opt.MaxRejectPct = Percent(DefaultMaxRejectPct)
	}
	if opt.MaxMergeWarnings == 0 {
		opt.MaxMergeWarnings = 100
	}
	sum := &export.Summary{Path: ex.Path, ContentSHA256: ex.ContentSHA256, Status: export.StatusFailed,
		Rejects: []export.Reject{}, Warnings: []string{}}
	// The export's own warnings (unknown columns ...) come first; they are
	// complete only once the loader has read Parquet headers.
	defer func() { sum.Warnings = append(append([]string{}, ex.Warnings...), sum.Warnings...) }()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return fail(sum, err)
	}
	defer conn.Close()
	if !opt.DryRun {
		done, err := s.unchanged(ctx, conn, sum)
		if err != nil || done {
			return sum, err
		}
	}
	l := &loader{s: s, conn: conn, ex: ex, opt: opt, sum: sum, today: opt.Now.Format("2006-01-02"), bad: map[string]map[int64]int{}}
	for _, tn := range export.TableNames {
		if t := ex.Tables[tn]; t != nil {
			l.total += t.Size()
		}
	}
	if err := l.run(ctx); err != nil {
		return fail(sum, err)
	}
	return sum, nil
}

func fail(sum *export.Summary, err error) (*export.Summary, error) {
	sum.Status = export.StatusFailed
	sum.SnapshotID = ""
	sum.Error = err.Error()
	return sum, err
}

// unchanged reports (and fills sum) when the export's content equals a
// current snapshot's: loading it again changes nothing.
func (s *Store) unchanged(ctx context.Context, conn *sql.Conn, sum *export.Summary) (bool, error) {
	var id, country, stored string
	err := conn.QueryRowContext(ctx, `SELECT s.snapshot_id, s.country, s.summary::VARCHAR
		FROM current_snapshots c JOIN snapshots s USING (snap) WHERE s.content_sha256 = ?`, sum.ContentSHA256).Scan(&id, &country, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read snapshots: %w", err)
	}
	var prev export.Summary
	if err := json.Unmarshal([]byte(stored), &prev); err != nil {
		return false, fmt.Errorf("read snapshot %s: %w", id, err)
	}
	sum.Status, sum.Country, sum.SnapshotID = export.StatusUnchanged, country, id
	sum.Tables, sum.Rejects = prev.Tables, prev.Rejects
	sum.Warnings = append(sum.Warnings, fmt.Sprintf("the export is identical to the current %s snapshot %s: nothing was loaded", country, id))
	return true, nil
}

type loader struct {
	s     *Store
	conn  *sql.Conn
	ex    *source.Export
	opt   LoadOptions
	sum   *export.Summary
	today string
	snap  int64
	done  int64
	total int64
	// bad maps, per table, the record number of every rejected row to the
	// number of the rule it broke (0: a malformed CSV record).
	bad    map[string]map[int64]int
	values map[string]map[int64]string // the offending value of a rejected row
	// unwritten are the rejected rows not yet in rr_bad; badCreated says
	// whether this load has created rr_bad.
	unwritten  []badRow
	badCreated bool
	// keyRejects are rejects found among the valid rows (duplicate keys)
	// and merges.
	keyRejects []keyReject
	created    bool // the snapshot's tables exist
	// untyped names the tables read all as text after DuckDB refused to
	// read a field typed (see formOf); the scan should have made that
	// impossible, so this is a safety net, not a path.
	untyped map[string]bool
	stopped bool // more rejects than opt.MaxRejects: the load stopped
}

type badRow struct {
	table string
	ord   int64
}

type keyReject struct {
	table  string
	ord    int64
	merged bool
	column string
	value  string
	reason string
	first  int64 // the record number of the row that was kept
}

// table returns the name of the snapshot's table tn.
func (l *loader) table(tn string) string { return snapTable(l.snap, tn) }

func snapTable(snap int64, tn string) string { return fmt.Sprintf("s%d_%s", snap, tn) }

func (l *loader) exec(ctx context.Context, query string, args ...any) error {
	start := stampNow()
	_, err := l.conn.ExecContext(ctx, query, args...)
	trace(start, query)
	return err
}

// stamp is a moment of the process: wall time and CPU time used so far.
type stamp struct {
	wall time.Time
	cpu  time.Duration
}

func stampNow() stamp { return stamp{time.Now(), cpuTime()} }

// trace prints how long a statement took, in wall and CPU time (all
// threads), when RRSTAT_TRACE is set (for profiling loads; the
// benchmarks report the totals).
func trace(start stamp, what string) {
	if os.Getenv("RRSTAT_TRACE") == "" {
		return
	}
	end := stampNow()
	what = strings.Join(strings.Fields(what), " ")
	if len(what) > 70 {
		what = what[:70]
	}
	fmt.Fprintf(os.Stderr, "trace %7.2fs %6.2fs CPU %s\n", end.wall.Sub(start.wall).Seconds(), (end.cpu - start.cpu).Seconds(), what)
}

func (l *loader) progress(stage string) {
	if l.opt.Progress != nil {
		l.opt.Progress(stage, l.done, l.total)
	}
}

func (l *loader) run(ctx context.Context) (err error) {
	for _, m := range helperMacros {
		if err := l.exec(ctx, m); err != nil {
			return fmt.Errorf("prepare load: %w", err)
		}
	}
	for _, tn := range export.TableNames {
		if t := l.ex.Tables[tn]; t != nil {
			if err := l.prepareSource(ctx, t); err != nil {
				return err
			}
		}
	}
	if err := l.checkRows(ctx); err != nil {
		return err
	}
	if err := l.conn.QueryRowContext(ctx, "SELECT nextval('snapshot_seq')").Scan(&l.snap); err != nil {
		return err
	}
	defer func() {
		if err != nil && l.created {
			l.dropTables(context.WithoutCancel(ctx))
		}
	}()
	if err := l.read(ctx); err != nil {
		return err
	}
	if err := l.exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			l.exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	l.progress("checking persons and keys")
	steps := []func(context.Context) error{l.malformed, l.personKeys, l.personChecks, l.childKeys, l.collect, l.judge}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			if l.stopped {
				l.collect(ctx)
				l.sum.Tables = export.Tables{}
			}
			return err
		}
	}
	if l.opt.DryRun {
		l.sum.Status = export.StatusValid
		if err := l.exec(ctx, "ROLLBACK"); err != nil {
			return err
		}
		return l.dropTables(ctx)
	}
	return l.commit(ctx)
}

// dropTables removes the snapshot's tables (a failed or dry load).
func (l *loader) dropTables(ctx context.Context) error {
	var first error
	for _, tn := range export.TableNames {
		if err := l.exec(ctx, "DROP TABLE IF EXISTS "+l.table(tn)); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// read creates the snapshot's tables from the sources in one transaction.
func (l *loader) read(ctx context.Context) error {
	if err := l.exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	l.created = true
	// The rollback must run also when ctx is cancelled, or the pooled
	// connection keeps the aborted transaction and no later load can
	// begin one.
	rollback := func() { l.exec(context.WithoutCancel(ctx), "ROLLBACK") }
	for _, tn := range export.TableNames {
		t := l.ex.Tables[tn]
		if t == nil {
			q := fmt.Sprintf("CREATE TABLE %s AS %s", l.table(tn), l.emptySelect(export.TableByName(tn)))
			if err := l.exec(ctx, q, sql.Named("snap", l.snap), sql.Named("today", l.today)); err != nil {
				rollback()
				return err
			}
			continue
		}
		l.progress("reading " + t.File)
		if err := l.insert(ctx, t); err != nil {
			rollback()
			if len(l.typedColumns(t)) > 0 && ctx.Err() == nil {
				// Read the table all as text and begin again: a failed
				// statement ends DuckDB's transaction.
				if l.untyped == nil {
					l.untyped = map[string]bool{}
				}
				l.untyped[tn] = true
				l.done = 0
				return l.read(ctx)
			}
			return err
		}
		l.done += t.Size()
	}
	if err := l.exec(ctx, "COMMIT"); err != nil {
		rollback()
		return fmt.Errorf("store rows: %w", err)
	}
	return nil
}

// prepareSource reads what the loader needs before the transaction: the
// header of a Parquet file, the rows of a sheet (into a temporary table).
func (l *loader) prepareSource(ctx context.Context, t *source.Table) error {
	switch t.Format {
	case source.Parquet:
		rows, err := l.conn.QueryContext(ctx, fmt.Sprintf("DESCRIBE SELECT * FROM read_parquet(%s)", sqlString(t.Path)))
		if err != nil {
			return export.Refusef("%s: not a readable Parquet file: %s", t.File, readFailure(err))
		}
		var names, types []string
		for rows.Next() {
			var name, typ string
			var null, key, def, extra sql.NullString
			if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
				rows.Close()
				return err
			}
			names, types = append(names, name), append(types, typ)
		}
		rows.Close()
		if err := l.ex.SetParquetHeader(t, names, l.ex.DropColumns); err != nil {
			return err
		}
		t.ParquetTypes = types
	case source.Sheet:
		cols := make([]string, len(t.Header))
		for i := range cols {
			cols[i] = fmt.Sprintf("c%d VARCHAR", i)
		}
		name := "rr_sheet_" + t.Schema.Name
		if err := l.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (%s)", name, strings.Join(cols, ", "))); err != nil {
			return err
		}
		err := l.conn.Raw(func(dc any) error {
			a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", name)
			if err != nil {
				return err
			}
			vals := make([]driver.Value, len(t.Header))
			for _, rec := range t.Records {
				for j := range t.Header {
					vals[j] = nil
					if j < len(rec) && rec[j] != "" {
						vals[j] = rec[j]
					}
				}
				if err := a.AppendRow(vals...); err != nil {
					a.Close()
					return err
				}
			}
			return a.Close()
		})
		if err != nil {
			return fmt.Errorf("read sheet %s: %w", t.File, err)
		}
	}
	return nil
}

// sourceSQL returns a query yielding one raw text column r_<name> per
// schema column (NULL for a column the file lacks), trimmed where the scan
// found white space to trim, in the source's record order.
func (l *loader) sourceSQL(t *source.Table) string {
	var from string
	var colExpr func(i int) string
	trim := func(i int) bool { return true }
	switch t.Format {
	case source.CSV:
		sc := t.Scan
		n := max(len(sc.Header), sc.MaxFields)
		cols := make([]string, n)
		for i := range cols {
			typ := "VARCHAR"
			if f := l.formOf(t, i); f != source.FormNone {
				typ = f.SQLType()
			}
			cols[i] = fmt.Sprintf("'c%d': '%s'", i, typ)
		}
		opts := []string{
			"delim = " + sqlString(string(sc.Delim)), `quote = '"'`, `escape = '"'`,
			"header = true", "auto_detect = false", "strict_mode = false",
			"columns = {" + strings.Join(cols, ", ") + "}",
			// max_line_size is left at DuckDB's 2 MB: a larger one turns
			// off the parallel reader.
			fmt.Sprintf("buffer_size = %d", csvBufferSize),
		}
		// The file starts with its header: blank lines before it are
		// cut off by the source (see source.prepareCSV).
		if !sc.Regular {
			opts = append(opts, "null_padding = true")
			if sc.QuotedNewlines {
				opts = append(opts, "parallel = false")
			}
		}
		from = fmt.Sprintf("read_csv(%s, %s)", sqlString(t.Path), strings.Join(opts, ", "))
		colExpr = func(i int) string { return fmt.Sprintf("c%d", i) }
		trim = func(i int) bool { return i < len(sc.Trim) && sc.Trim[i] }
	case source.Sheet:
		from = "rr_sheet_" + t.Schema.Name
		colExpr = func(i int) string { return fmt.Sprintf("c%d", i) }
		trim = func(int) bool { return false } // trimmed in Go
	case source.Parquet:
		from = fmt.Sprintf("read_parquet(%s)", sqlString(t.Path))
		colExpr = func(i int) string { return parquetText(quoteIdent(t.Header[i]), t.ParquetTypes[i]) }
		trim = func(i int) bool { return strings.EqualFold(t.ParquetTypes[i], "VARCHAR") }
	}
	var sel []string
	for _, c := range t.Schema.Columns {
		i, ok := t.Index[c.Name]
		switch {
		case !ok:
			sel = append(sel, "NULL::VARCHAR AS "+rawName(c.Name))
		case trim(i):
			sel = append(sel, fmt.Sprintf("rr_txt(%s) AS %s", colExpr(i), rawName(c.Name)))
		default:
			sel = append(sel, fmt.Sprintf("%s AS %s", colExpr(i), rawName(c.Name)))
		}
	}
	return fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), from)
}

// csvBufferSize is the buffer of DuckDB's CSV reader: 32 MB, 16 times its
// 2 MB line limit, where DuckDB itself reads in pieces of about 8 MB.
// Each piece the reader hands on becomes its own run of row groups in the
// table, the last of them part-filled, and the checkpoint at close merges
// part-filled row groups by writing them again. With 8 MB pieces half the
// row groups of a million persons' follow-ups were part-filled and the
// close took 1.4 s; with 32 MB, one in six, and 0.2 s (make bench-load;
// the store file is also a quarter smaller).
const csvBufferSize = 32 << 20

// formOf returns the form in which DuckDB reads field i of a CSV table
// (FormNone: as text). A field is read typed when the scan found every
// value of it in its column's plain form, the file is regular (every
// record as long as the header, well quoted) and no value needs trimming,
// unless the load gave up typed reading for the table (l.untyped).
func (l *loader) formOf(t *source.Table, i int) source.Form {
	sc := t.Scan
	if t.Format != source.CSV || l.opt.asText || l.untyped[t.Schema.Name] || !sc.Regular || i >= len(sc.Forms) || (i < len(sc.Trim) && sc.Trim[i]) {
		return source.FormNone
	}
	return sc.Forms[i]
}

// typedColumns returns the schema columns of t that DuckDB reads typed.
func (l *loader) typedColumns(t *source.Table) map[string]bool {
	out := map[string]bool{}
	for name, i := range t.Index {
		if l.formOf(t, i) != source.FormNone {
			out[name] = true
		}
	}
	return out
}

// emptySelect is the source of an absent table: no rows, the same columns.
func (l *loader) emptySelect(t *export.Table) string {
	empty := &source.Table{Schema: t, Format: source.Sheet, Index: map[string]int{}}
	src := "SELECT " + strings.Join(nullColumns(t), ", ") + " WHERE false"
	return l.readSQL(empty, src, nil)
}

func nullColumns(t *export.Table) []string {
	var out []string
	for _, c := range t.Columns {
		out = append(out, "NULL::VARCHAR AS "+rawName(c.Name))
	}
	return out
}

// parquetText writes a Parquet column as the text the rules read: dates as
// ISO dates, timestamps in UTC with their time (so that only midnight
// passes), binary floats in their shortest decimal form.
func parquetText(col, typ string) string {
	u := strings.ToUpper(typ)
	switch {
	case u == "DATE":
		return fmt.Sprintf("strftime(%s, '%%Y-%%m-%%d')", col)
	case strings.HasPrefix(u, "TIMESTAMP"):
		return fmt.Sprintf("strftime(CAST(%s AS TIMESTAMP), '%%Y-%%m-%%d %%H:%%M:%%S')", col)
	}
	return fmt.Sprintf("CAST(%s AS VARCHAR)", col)
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// readSQL is the query that turns a source's raw text into the stored
// typed row, its person key and the first rule (among those that need
// only the row) that it breaks.
//
// A column in typedCols is read typed (see loader.formOf): its raw value is
// already its typed value, and the rules on how a value is written are
// left out, as none of its values can break them.
func (l *loader) readSQL(t *source.Table, src string, typedCols map[string]bool) string {
	checks := tableChecks(t.Schema)
	var typedExprs, storeCols, cases, valueCases []string
	for _, c := range t.Schema.Columns {
		e := typed(c, rawName(c.Name))
		if typedCols[c.Name] {
			e = rawName(c.Name)
		}
		typedExprs = append(typedExprs, fmt.Sprintf("%s AS %s", e, typedName(c.Name)))
		storeCols = append(storeCols, fmt.Sprintf("%s AS %s", storeExpr(c, typedName(c.Name)), c.Name))
	}
	for i, ch := range checks {
		if ch.joined || (ch.form && typedCols[ch.column]) {
			continue
		}
		cases = append(cases, fmt.Sprintf("WHEN %s THEN %d", ch.cond, i+1))
		// A typed value writes back as its text (source.Form).
		valueCases = append(valueCases, fmt.Sprintf("WHEN %d THEN CAST(%s AS VARCHAR)", i+1, rawName(ch.column)))
	}
	if casts := dateCasts(t.Schema, typedCols); len(casts) > 0 {
		src = fmt.Sprintf("SELECT *, %s FROM (%s)", strings.Join(casts, ", "), src)
	}
	// The value of a rejected row only: the CASE on _reject costs a
	// comparison per rule on every row where it is missing.
	return fmt.Sprintf(`SELECT %s,
    hash($snap::BIGINT, r_person_id) AS pk,
    _reject::SMALLINT AS _reject,
    CASE WHEN _reject IS NOT NULL THEN CASE _reject %s END END AS _value
FROM (
    SELECT *, CASE %s END AS _reject
    FROM (SELECT *, %s FROM (%s))
)`, strings.Join(storeCols, ", "), strings.Join(valueCases, " "),
		strings.Join(cases, "\n        "), strings.Join(typedExprs, ", "), src)
}

// insert reads one table into the snapshot's table and reconciles the
// number of rows read with the records the scan found.
func (l *loader) insert(ctx context.Context, t *source.Table) error {
	q := fmt.Sprintf("CREATE TABLE %s AS %s", l.table(t.Schema.Name), l.readSQL(t, l.sourceSQL(t), l.typedColumns(t)))
	if os.Getenv("RRSTAT_TRACE") == "sql" {
		fmt.Fprintln(os.Stderr, q)
	}
	start := stampNow()
	_, err := l.conn.ExecContext(ctx, q, sql.Named("snap", l.snap), sql.Named("today", l.today))
	trace(start, "read "+t.File)
	if err != nil {
		return fmt.Errorf("%s: cannot be read: %s", t.File, readFailure(err))
	}
	var n int64
	if err := l.conn.QueryRowContext(ctx, "SELECT count(*) FROM "+l.table(t.Schema.Name)).Scan(&n); err != nil {
		return err
	}
	read := t.Rows()
	if t.Format == source.Parquet {
		read = n
	}
	if n != read {
		return fmt.Errorf("%w: %s: the file has %d data records but %d were read; nothing was loaded. The file may be damaged (check its quoting)", ErrLoadFailed, t.File, read, n)
	}
	l.sum.Tables.Get(t.Schema.Name).RowsRead = read
	return nil
}

// note records a rejected row, keeping the first rule broken.
func (l *loader) note(tn string, ord int64, code int, value string) {
	if l.bad[tn] == nil {
		l.bad[tn] = map[int64]int{}
		if l.values == nil {
			l.values = map[string]map[int64]string{}
		}
		l.values[tn] = map[int64]string{}
	}
	prev, seen := l.bad[tn][ord]
	if seen && prev <= code {
		return
	}
	if !seen {
		l.unwritten = append(l.unwritten, badRow{tn, ord})
	}
	l.bad[tn][ord] = code
	l.values[tn][ord] = value
}

// malformed reads the row rejects found while reading, and marks the
// malformed CSV records (whose fields cannot be trusted) as rejected first.
func (l *loader) malformed(ctx context.Context) error {
	defer trace(stampNow(), "row rejects")
	for _, tn := range export.TableNames {
		t := l.ex.Tables[tn]
		if t == nil {
			continue
		}
		q := fmt.Sprintf("SELECT rowid + 1 AS ord, _reject, _value FROM %s WHERE _reject IS NOT NULL", l.table(tn))
		var extra int64
		if t.Format == source.CSV {
			extra = int64(len(t.Scan.Malformed))
		}
		stop := l.overCap(ctx, tn, q, extra)
		if stop != nil {
			q = sampleOf(q)
		}
		rows, err := l.conn.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		for rows.Next() {
			var ord int64
			var code int
			var value sql.NullString
			if err := rows.Scan(&ord, &code, &value); err != nil {
				rows.Close()
				return err
			}
			l.note(tn, ord, code, value.String)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if stop != nil {
			return stop
		}
		if t.Format == source.CSV {
			for _, m := range t.Scan.Malformed {
				l.note(tn, m.Ord, 0, "")
			}
		}
	}
	return l.badTable(ctx)
}

// badTable adds the rejected record numbers noted since its last call to
// rr_bad (table, ord), so that the key rules see only the valid rows.
func (l *loader) badTable(ctx context.Context) error {
	if !l.badCreated {
		if err := l.exec(ctx, "CREATE OR REPLACE TEMP TABLE rr_bad (tbl VARCHAR, ord BIGINT)"); err != nil {
			return err
		}
		l.badCreated = true
	}
	if len(l.unwritten) == 0 {
		return nil
	}
	err := l.conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "rr_bad")
		if err != nil {
			return err
		}
		for _, b := range l.unwritten {
			if err := a.AppendRow(b.table, b.ord); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
	if err == nil {
		l.unwritten = l.unwritten[:0]
	}
	return err
}

// valid is the SQL of a table's valid rows so far, with their record number.
func (l *loader) valid(tn string) string {
	return fmt.Sprintf(`(SELECT rowid + 1 AS ord, * FROM %s WHERE %s)`, l.table(tn), l.validCond(tn))
}

// validCond is the condition on a row of table tn that it is valid so far.
func (l *loader) validCond(tn string) string {
	return fmt.Sprintf(`_reject IS NULL AND rowid + 1 NOT IN (SELECT ord FROM rr_bad WHERE tbl = '%s')`, tn)
}

// personKeys rejects the later rows of a person_id repeated among the
// valid rows, and builds rr_persons: every person key of the returnees
// file with the return date of its loaded row, and whether there is one.
func (l *loader) personKeys(ctx context.Context) error {
	repeated, err := l.keyDuplicates(ctx, export.Returnees, []string{"person_id"}, "person_id", export.ReasonDuplicatePerson)
	if err != nil {
		return err
	}
	if err := l.badTable(ctx); err != nil {
		return err
	}
	// Every person_id once (the usual export): one row per returnees row.
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE rr_persons AS
SELECT pk, person_id, CASE WHEN ok THEN return_date END AS return_date, ok
FROM (SELECT pk, person_id, return_date, %s AS ok FROM %s WHERE person_id IS NOT NULL)`,
		l.validCond(export.Returnees), l.table(export.Returnees))
	if repeated {
		q = fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE rr_persons AS
SELECT r.pk, r.person_id,
       any_value(r.return_date) FILTER (WHERE v.ord IS NOT NULL) AS return_date,
       bool_or(v.ord IS NOT NULL) AS ok
FROM (SELECT rowid + 1 AS ord, pk, person_id, return_date FROM %s WHERE person_id IS NOT NULL) AS r
LEFT JOIN %s AS v ON v.ord = r.ord
GROUP BY r.pk, r.person_id`, l.table(export.Returnees), l.valid(export.Returnees))
	}
	if err := l.exec(ctx, q); err != nil {
		return err
	}
	// pk is a 64-bit hash of the snapshot and person_id: check that no two
	// persons share one, so that no row can join the wrong person.
	var keys, ids int64
	err = l.conn.QueryRowContext(ctx, "SELECT count(DISTINCT pk), count(*) FROM rr_persons").Scan(&keys, &ids)
	if err != nil {
		return err
	}
	if keys != ids {
		return fmt.Errorf("%w: two person_ids of the export share an internal key (a 1 in 10^10 event); please report it", ErrLoadFailed)
	}
	return nil
}

// keyDuplicates finds, among the valid rows of a table, the rows whose key
// (the columns keys) repeats an earlier row's (file order) and rejects them,
// reporting the value of column. Only the rows whose key hash is repeated
// (see repeatedHashes) are looked at; the exact key then decides.
func (l *loader) keyDuplicates(ctx context.Context, tn string, keys []string, column, reason string) (repeated bool, err error) {
	defer trace(stampNow(), "key duplicates "+tn)
	if l.keySorted(tn) {
		return false, nil
	}
	k := strings.Join(keys, ", ")
	var notNull []string
	for _, c := range keys {
		notNull = append(notNull, c+" IS NOT NULL")
	}
	n, err := l.repeatedHashes(ctx, tn, "hash("+k+")", strings.Join(notNull, " AND "))
	if err != nil || n == 0 {
		return false, err
	}
	q := fmt.Sprintf(`SELECT ord, first, CAST(%s AS VARCHAR) FROM (
    SELECT ord, %s, min(ord) OVER (PARTITION BY %s) AS first FROM %s
    WHERE %s AND hash(%s) IN (SELECT h FROM rr_repeated)
) WHERE ord <> first ORDER BY ord`, column, column, k, l.valid(tn), strings.Join(notNull, " AND "), k)
	stop := l.overCap(ctx, tn, q, 0)
	if stop != nil {
		q = sampleOf(q)
	}
	rows, err := l.conn.QueryContext(ctx, q)
	if err != nil {
		return true, err
	}
	defer rows.Close()
	for rows.Next() {
		k := keyReject{table: tn, column: column, reason: reason}
		if err := rows.Scan(&k.ord, &k.first, &k.value); err != nil {
			return true, err
		}
		l.keyRejects = append(l.keyRejects, k)
		l.note(tn, k.ord, 1<<14, k.value) // a key reject: after every row rule
	}
	if err := rows.Err(); err != nil {
		return true, err
	}
	return true, stop
}

// keySorted reports whether the scan of table tn proved its key
// (export.Table.Key) unique by the order of the file (source.CSVScan's
// KeySorted), and the key's values are stored as they are written (not
// trimmed; a date or code in its plain form, whose bytes compare as the
// values do).
func (l *loader) keySorted(tn string) bool {
	t := l.ex.Tables[tn]
	if t == nil || t.Format != source.CSV || l.opt.asText || !t.Scan.Regular || !t.Scan.KeySorted {
		return false
	}
	for _, col := range t.Schema.Key {
		i, ok := t.Index[col]
		if !ok || (i < len(t.Scan.Trim) && t.Scan.Trim[i]) {
			return false
		}
		switch c := t.Schema.Column(col); c.Type {
		case export.Date:
			if l.formOf(t, i) != source.FormDate {
				return false
			}
		case export.Code:
			if l.formOf(t, i) != source.FormCode { // stored lower-cased otherwise
				return false
			}
		}
	}
	return true
}

// repeatedHashes fills rr_repeated with the values of the 64-bit hash
// expression h that occur more than once among the rows of table tn where
// cond holds, valid or not, and returns how many there are. Rows with an
// equal key have an equal hash, so the rows whose hash is not repeated
// have a unique key; the few others are for the exact (and costlier)
// query. Sorting the hashes takes half the time and memory of grouping
// them: at a million persons the services and follow-ups hold about
// seven million keys, nearly all distinct.
func (l *loader) repeatedHashes(ctx context.Context, tn, h, cond string) (int64, error) {
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE rr_repeated AS
SELECT DISTINCT h FROM (
    SELECT h, lag(h) OVER (ORDER BY h) AS prev FROM (SELECT %s AS h FROM %s WHERE %s)
) WHERE h = prev`, h, l.table(tn), cond)
	if err := l.exec(ctx, q); err != nil {
		return 0, err
	}
	var n int64
	err := l.conn.QueryRowContext(ctx, "SELECT count(*) FROM rr_repeated").Scan(&n)
	return n, err
}

// personChecks applies the rules of the child tables that need the
// person's loaded row: the person must be known and loaded, and the row's
// date not before the person's return_date. A rule keeps its place in the
// column order: it replaces a later rule found while reading.
func (l *loader) personChecks(ctx context.Context) error {
	for _, tn := range export.TableNames[1:] {
		t := l.ex.Tables[tn]
		if t == nil {
			continue
		}
		checks := tableChecks(t.Schema)
		var cases []string
		dateCol := ""
		for i, ch := range checks {
			if !ch.joined {
				continue
			}
			cases = append(cases, fmt.Sprintf("WHEN %s THEN %d", ch.cond, i+1))
			if ch.reason == export.ReasonBeforeReturn {
				dateCol = ch.column
			}
		}
		// The person is found by pk alone (unique in rr_persons), which
		// spares hashing every person_id; the person_id then decides, so
		// that two person_ids sharing a hash can never be confused.
		q := fmt.Sprintf(`SELECT ord, code, CASE WHEN code = %d THEN CAST(%s AS VARCHAR) ELSE person_id END FROM (
    SELECT c.ord, c.person_id, c.%s, CASE %s END AS code
    FROM (SELECT t.rowid + 1 AS ord, t.person_id, t.%s,
                 CASE WHEN p.person_id = t.person_id THEN p.pk END AS p_pk, p.ok AS p_ok, p.return_date AS p_return_date
          FROM %s AS t LEFT JOIN rr_persons AS p ON p.pk = t.pk
          WHERE t.person_id IS NOT NULL) AS c
    WHERE c.p_pk IS NULL OR NOT c.p_ok OR c.%s < c.p_return_date
) WHERE code IS NOT NULL`, codeOf(checks, export.ReasonBeforeReturn), dateCol, dateCol, strings.Join(cases, " "), dateCol, l.table(tn), dateCol)
		start := stampNow()
		stop := l.overCap(ctx, tn, q, 0)
		if stop != nil {
			q = sampleOf(q)
		}
		rows, err := l.conn.QueryContext(ctx, q)
		if err != nil {
			return fmt.Errorf("check persons of %s: %w", tn, err)
		}
		for rows.Next() {
			var ord int64
			var code int
			var value sql.NullString
			if err := rows.Scan(&ord, &code, &value); err != nil {
				rows.Close()
				return err
			}
			l.note(tn, ord, code, value.String)
		}
		rows.Close()
		trace(start, "person checks "+tn)
		if err := rows.Err(); err != nil {
			return err
		}
		if stop != nil {
			return stop
		}
	}
	return l.badTable(ctx)
}

func codeOf(checks []check, reason string) int {
	for i, ch := range checks {
		if ch.reason == reason {
			return i + 1
		}
	}
	return -1
}

// childKeys applies the key rules of the child tables among their valid
// rows: unique service_id, unique (person, followup_date), and needs merged
// to the earliest identified_date per (person, need_type).
func (l *loader) childKeys(ctx context.Context) error {
	if l.ex.Tables[export.Services] != nil {
		if _, err := l.keyDuplicates(ctx, export.Services, []string{"service_id"}, "service_id", export.ReasonDuplicateSvc); err != nil {
			return err
		}
	}
	if l.ex.Tables[export.Followups] != nil {
		if _, err := l.keyDuplicates(ctx, export.Followups, []string{"pk", "followup_date"}, "followup_date", export.ReasonDuplicateFup); err != nil {
			return err
		}
	}
	if l.ex.Tables[export.Needs] == nil {
		return nil
	}
	defer trace(stampNow(), "merge needs")
	if l.keySorted(export.Needs) {
		return nil
	}
	n, err := l.repeatedHashes(ctx, export.Needs, "hash(pk, need_type)", "pk IS NOT NULL AND need_type IS NOT NULL")
	if err != nil || n == 0 {
		return err
	}
	q := fmt.Sprintf(`SELECT ord, first, person_id, need_type FROM (
    SELECT ord, person_id, need_type,
           first_value(ord) OVER (PARTITION BY pk, need_type ORDER BY identified_date, ord) AS first
    FROM %s WHERE pk IS NOT NULL AND need_type IS NOT NULL AND hash(pk, need_type) IN (SELECT h FROM rr_repeated)
) WHERE ord <> first ORDER BY ord`, l.valid(export.Needs))
	stop := l.overCap(ctx, export.Needs, q, 0)
	if stop != nil {
		q = sampleOf(q)
	}
	rows, err := l.conn.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid, nt string
		k := keyReject{table: export.Needs, merged: true, column: "need_type"}
		if err := rows.Scan(&k.ord, &k.first, &pid, &nt); err != nil {
			return err
		}
		k.value = nt
		k.reason = fmt.Sprintf("need %s of %s repeated: merged, the earliest identified_date is kept", nt, pid)
		l.keyRejects = append(l.keyRejects, k)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return stop
}

// collect turns the rejected record numbers into the summary's rejects and
// counts, with lines.
func (l *loader) collect(ctx context.Context) error {
	for _, tn := range export.TableNames {
		t := l.ex.Tables[tn]
		if t == nil {
			continue
		}
		checks := tableChecks(t.Schema)
		malformed := map[int64]string{}
		if t.Format == source.CSV {
			for _, m := range t.Scan.Malformed {
				malformed[m.Ord] = m.Reason
			}
		}
		counts := l.sum.Tables.Get(tn)
		for ord, code := range l.bad[tn] {
			if code >= 1<<14 {
				continue // key rejects are reported below
			}
			r := export.Reject{Table: tn, File: t.File, Line: t.Line(ord), Value: l.values[tn][ord]}
			if code == 0 {
				r.Reason = malformed[ord]
			} else {
				r.Column, r.Reason = checks[code-1].column, checks[code-1].reason
			}
			l.sum.Rejects = append(l.sum.Rejects, r)
			counts.Rejected++
		}
	}
	merges := 0
	sort.Slice(l.keyRejects, func(i, j int) bool { return l.keyRejects[i].ord < l.keyRejects[j].ord })
	for _, k := range l.keyRejects {
		t := l.ex.Tables[k.table]
		counts := l.sum.Tables.Get(k.table)
		if k.merged {
			counts.Merged++
			merges++
			if merges <= l.opt.MaxMergeWarnings {
				l.sum.Warnings = append(l.sum.Warnings, fmt.Sprintf("%s line %d: %s (kept line %d)", t.File, t.Line(k.ord), k.reason, t.Line(k.first)))
			}
			continue
		}
		counts.Rejected++
		l.sum.Rejects = append(l.sum.Rejects, export.Reject{Table: k.table, File: t.File, Line: t.Line(k.ord),
			Column: k.column, Value: k.value, Reason: fmt.Sprintf("%s (line %d)", k.reason, t.Line(k.first))})
	}
	if merges > l.opt.MaxMergeWarnings {
		l.sum.Warnings = append(l.sum.Warnings, fmt.Sprintf("... and %d more merged needs (all are counted and stored with the snapshot)", merges-l.opt.MaxMergeWarnings))
	}
	sort.SliceStable(l.sum.Rejects, func(i, j int) bool {
		a, b := l.sum.Rejects[i], l.sum.Rejects[j]
		if a.Table != b.Table {
			return tableIndex(a.Table) < tableIndex(b.Table)
		}
		return a.Line < b.Line
	})
	for _, tn := range export.TableNames {
		c := l.sum.Tables.Get(tn)
		c.Loaded = c.RowsRead - c.Rejected - c.Merged
	}
	return nil
}

func tableIndex(name string) int {
	for i, tn := range export.TableNames {
		if tn == name {
			return i
		}
	}
	return len(export.TableNames)
}

// judge applies the whole-export rules: the reject threshold per table, one
// country, at least one person.
func (l *loader) judge(ctx context.Context) error {
	var problems []string
	for _, tn := range export.TableNames {
		c := l.sum.Tables.Get(tn)
		if c.RowsRead == 0 {
			continue
		}
		if pct := 100 * float64(c.Rejected) / float64(c.RowsRead); pct > *l.opt.MaxRejectPct {
			problems = append(problems, fmt.Sprintf("%s: %d of %d rows rejected (%.1f %%), more than the %s %% allowed (--max-reject); see the rejects for the reasons",
				l.ex.Tables[tn].File, c.Rejected, c.RowsRead, pct, trimFloat(*l.opt.MaxRejectPct)))
		}
	}
	if err := l.badTable(ctx); err != nil {
		return err
	}
	rows, err := l.conn.QueryContext(ctx, fmt.Sprintf(`SELECT country, count(*) FROM %s GROUP BY country ORDER BY count(*) DESC, country`, l.valid(export.Returnees)))
	if err != nil {
		return err
	}
	var countries []string
	var persons int64
	for rows.Next() {
		var c string
		var n int64
		if err := rows.Scan(&c, &n); err != nil {
			rows.Close()
			return err
		}
		unit := "persons"
		if n == 1 {
			unit = "person"
		}
		countries = append(countries, fmt.Sprintf("%s (%d %s)", c, n, unit))
		persons += n
		if l.sum.Country == "" {
			l.sum.Country = c
		}
	}
	rows.Close()
	if len(countries) > 1 {
		problems = append(problems, fmt.Sprintf("the export mixes countries: %s; an export holds one country's caseload, split it and load each country on its own", strings.Join(countries, ", ")))
	}
	if persons == 0 {
		problems = append(problems, "no person could be loaded from the returnees table; see the rejects for the reasons")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrLoadFailed, strings.Join(problems, "; "))
	}
	return nil
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// commit deletes the rejected and merged rows, records the snapshot with
// its summary and rejects, makes it current and commits.
func (l *loader) commit(ctx context.Context) error {
	for _, k := range l.keyRejects {
		if k.merged {
			l.note(k.table, k.ord, 1<<14, k.value)
		}
	}
	if err := l.badTable(ctx); err != nil {
		return err
	}
	for _, tn := range export.TableNames {
		if len(l.bad[tn]) == 0 {
			continue
		}
		q := fmt.Sprintf(`DELETE FROM %s WHERE rowid + 1 IN (SELECT ord FROM rr_bad WHERE tbl = '%s')`, l.table(tn), tn)
		if err := l.exec(ctx, q); err != nil {
			return fmt.Errorf("store %s: %w", tn, err)
		}
	}
	l.sum.SnapshotID = fmt.Sprintf("%s-%04d-%s", l.sum.Country, l.snap, l.sum.ContentSHA256[:8])
	l.sum.Status = export.StatusLoaded
	full := *l.sum
	full.Warnings = append(append([]string{}, l.ex.Warnings...), l.sum.Warnings...)
	js, err := json.Marshal(&full)
	if err != nil {
		return err
	}
	var rowsLoaded int64
	for _, tn := range export.TableNames {
		rowsLoaded += l.sum.Tables.Get(tn).Loaded
	}
	err = l.exec(ctx, `INSERT INTO snapshots VALUES ($snap, $id, $country, $at, $hash, $source, $persons, $rows, $summary)`,
		sql.Named("snap", l.snap), sql.Named("id", l.sum.SnapshotID), sql.Named("country", l.sum.Country),
		sql.Named("at", l.opt.Now.Format("2006-01-02 15:04:05.000000")), sql.Named("hash", l.sum.ContentSHA256),
		sql.Named("source", l.ex.Path), sql.Named("persons", l.sum.Tables.Returnees.Loaded),
		sql.Named("rows", rowsLoaded), sql.Named("summary", string(js)))
	if err != nil {
		return fmt.Errorf("record snapshot: %w", err)
	}
	if err := l.storeRejects(); err != nil {
		return err
	}
	if err := l.exec(ctx, `INSERT OR REPLACE INTO current_snapshots VALUES ($country, $snap)`,
		sql.Named("country", l.sum.Country), sql.Named("snap", l.snap)); err != nil {
		return fmt.Errorf("make snapshot current: %w", err)
	}
	if err := l.exec(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (l *loader) storeRejects() error {
	return l.conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "main", "rejects")
		if err != nil {
			return err
		}
		for _, r := range l.sum.Rejects {
			if err := a.AppendRow(l.snap, "rejected", r.Table, r.File, r.Line, r.Column, r.Value, r.Reason); err != nil {
				a.Close()
				return err
			}
		}
		for _, k := range l.keyRejects {
			if !k.merged {
				continue
			}
			t := l.ex.Tables[k.table]
			if err := a.AppendRow(l.snap, "merged", k.table, t.File, t.Line(k.ord), k.column, k.value, k.reason); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
}
