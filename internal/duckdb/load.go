package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
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
	// be rejected before the whole load fails (--max-reject, default 5).
	MaxRejectPct float64
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
}

// ErrLoadFailed is wrapped by the error of a load that was refused after
// validation (too many rejects, mixed countries, no person).
var ErrLoadFailed = errors.New("load failed")

// personShift makes room for a record number inside a person key:
// pk = snap << personShift | ord.
const personShift = 32

// Load validates the export and, unless opt.DryRun, stores it as a new
// snapshot of its country in one transaction: either everything is stored
// and the snapshot becomes current, or nothing changes. An export whose
// content hash equals a current snapshot's is reported unchanged and
// nothing is written. The returned summary is complete also when the load
// failed (Status failed, Error set); the error then wraps
// export.ErrRefused or ErrLoadFailed, or is an internal failure.
func (s *Store) Load(ctx context.Context, ex *source.Export, opt LoadOptions) (*export.Summary, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC()
	if opt.MaxRejectPct == 0 {
		opt.MaxRejectPct = 5
	}
	if opt.MaxMergeWarnings == 0 {
		opt.MaxMergeWarnings = 100
	}
	sum := &export.Summary{Path: ex.Path, ContentSHA256: ex.ContentSHA256, Status: export.StatusFailed,
		Rejects: []export.Reject{}, Warnings: []string{}}
	// The export's own warnings (unknown columns ...) come first; they are
	// complete only after the loader has read Parquet headers.
	defer func() { sum.Warnings = append(append([]string{}, ex.Warnings...), sum.Warnings...) }()
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
	l := &loader{s: s, conn: conn, ex: ex, opt: opt, sum: sum, today: opt.Now.Format("2006-01-02")}
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
	// keyRejects are rejects found among valid rows (duplicate keys) and
	// merges; they are deleted from the tables with the row rejects.
	keyRejects []keyReject
}

type keyReject struct {
	table  string
	ord    int64
	merged bool
	column string
	value  string
	reason string
	first  int64 // the ord of the row that was kept
}

func (l *loader) exec(ctx context.Context, query string, args ...any) error {
	_, err := l.conn.ExecContext(ctx, query, args...)
	return err
}

func (l *loader) run(ctx context.Context) (err error) {
	for _, m := range helperMacros {
		if err := l.exec(ctx, m); err != nil {
			return fmt.Errorf("prepare load: %w", err)
		}
	}
	for _, tn := range export.TableNames {
		t := l.ex.Tables[tn]
		if t == nil {
			continue
		}
		if err := l.prepareSource(ctx, t); err != nil {
			return err
		}
	}
	if err := l.exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			l.exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := l.conn.QueryRowContext(ctx, "SELECT nextval('snapshot_seq')").Scan(&l.snap); err != nil {
		return err
	}
	for _, tn := range export.TableNames {
		t := l.ex.Tables[tn]
		if t == nil {
			continue
		}
		if l.opt.Progress != nil {
			l.opt.Progress("checking "+t.File, l.done, l.total)
		}
		if err := l.insert(ctx, t); err != nil {
			return err
		}
		if tn == export.Returnees {
			if err := l.personKeys(ctx); err != nil {
				return err
			}
		}
		l.done += t.Size()
	}
	if err := l.childKeys(ctx); err != nil {
		return err
	}
	if err := l.collect(ctx); err != nil {
		return err
	}
	if err := l.judge(ctx); err != nil {
		return err
	}
	if l.opt.DryRun {
		l.sum.Status = export.StatusValid
		return l.exec(ctx, "ROLLBACK")
	}
	if err := l.commit(ctx); err != nil {
		return err
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
			return export.Refusef("%s: not a readable Parquet file: %v", t.File, firstLine(err.Error()))
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
		if err := l.ex.SetParquetHeader(t, names, nil); err != nil {
			return err
		}
		t.ParquetTypes = types
	case source.Sheet:
		cols := make([]string, len(t.Header))
		for i := range cols {
			cols[i] = fmt.Sprintf("c%d VARCHAR", i)
		}
		name := "rr_sheet_" + t.Schema.Name
		if err := l.exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP TABLE %s (_ord BIGINT, %s)", name, strings.Join(cols, ", "))); err != nil {
			return err
		}
		err := l.conn.Raw(func(dc any) error {
			a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", name)
			if err != nil {
				return err
			}
			vals := make([]driver.Value, len(t.Header)+1)
			for i, rec := range t.Records {
				vals[0] = int64(i + 1)
				for j := range t.Header {
					if j < len(rec) {
						vals[j+1] = rec[j]
					} else {
						vals[j+1] = nil
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

// sourceSQL returns a query yielding _ord and one trimmed raw text column
// r_<name> per schema column (NULL for a column the file lacks).
func (l *loader) sourceSQL(t *source.Table) string {
	var from string
	var colExpr func(i int) string
	switch t.Format {
	case source.CSV:
		sc := t.Scan
		n := len(sc.Header)
		if sc.MaxFields > n {
			n = sc.MaxFields
		}
		cols := make([]string, n)
		for i := range cols {
			cols[i] = fmt.Sprintf("'c%d': 'VARCHAR'", i)
		}
		opts := []string{
			"delim = " + sqlString(string(sc.Delim)), `quote = '"'`, `escape = '"'`,
			"header = true", "auto_detect = false", "strict_mode = false",
			"columns = {" + strings.Join(cols, ", ") + "}",
			"max_line_size = 67108864",
		}
		if sc.HeaderLine > 1 {
			opts = append(opts, fmt.Sprintf("skip = %d", sc.HeaderLine-1))
		}
		if !sc.Regular {
			opts = append(opts, "null_padding = true")
			if sc.QuotedNewlines {
				opts = append(opts, "parallel = false")
			}
		}
		from = fmt.Sprintf("(SELECT row_number() OVER () AS _ord, * FROM read_csv(%s, %s))", sqlString(t.Path), strings.Join(opts, ", "))
		colExpr = func(i int) string { return fmt.Sprintf("c%d", i) }
	case source.Sheet:
		from = "rr_sheet_" + t.Schema.Name
		colExpr = func(i int) string { return fmt.Sprintf("c%d", i) }
	case source.Parquet:
		from = fmt.Sprintf("(SELECT file_row_number + 1 AS _ord, * FROM read_parquet(%s, file_row_number = true))", sqlString(t.Path))
		colExpr = func(i int) string { return parquetText(quoteIdent(t.Header[i]), t.ParquetTypes[i]) }
	}
	sel := []string{"_ord"}
	for _, c := range t.Schema.Columns {
		if i, ok := t.Index[c.Name]; ok {
			sel = append(sel, fmt.Sprintf("rr_txt(%s) AS %s", colExpr(i), rawName(c.Name)))
		} else {
			sel = append(sel, "NULL::VARCHAR AS "+rawName(c.Name))
		}
	}
	return fmt.Sprintf("SELECT %s FROM %s", strings.Join(sel, ", "), from)
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

// insert loads every row of a table, valid or not, with _reject set to the
// number of the first rule it breaks (0 for a malformed CSV record); the
// rejected rows are deleted before commit.
func (l *loader) insert(ctx context.Context, t *source.Table) error {
	tn := t.Schema.Name
	checks := tableChecks(t.Schema)
	var typedCols, storeCols, cases, values []string
	for _, c := range t.Schema.Columns {
		typedCols = append(typedCols, fmt.Sprintf("%s AS %s", typed(c, rawName(c.Name)), typedName(c.Name)))
		storeCols = append(storeCols, c.Name)
		values = append(values, storeExpr(c, typedName(c.Name)))
	}
	var malformed []int64
	if t.Format == source.CSV {
		for _, m := range t.Scan.Malformed {
			malformed = append(malformed, m.Ord)
		}
	}
	if len(malformed) > 0 {
		if err := l.exec(ctx, "CREATE OR REPLACE TEMP TABLE rr_malformed (ord BIGINT)"); err != nil {
			return err
		}
		if err := l.appendInts(ctx, "rr_malformed", malformed); err != nil {
			return err
		}
		cases = append(cases, "WHEN _ord IN (SELECT ord FROM rr_malformed) THEN 0")
	}
	valueCases := []string{}
	for i, ch := range checks {
		cases = append(cases, fmt.Sprintf("WHEN %s THEN %d", ch.cond, i+1))
		valueCases = append(valueCases, fmt.Sprintf("WHEN %d THEN %s", i+1, rawName(ch.column)))
	}
	rawCols := make([]string, 0, len(t.Schema.Columns))
	for _, c := range t.Schema.Columns {
		rawCols = append(rawCols, rawName(c.Name))
	}
	pk := fmt.Sprintf("$snap * %d + _ord", int64(1)<<personShift)
	join := ""
	personCols := ""
	if tn != export.Returnees {
		pk = "p_pk"
		join = "LEFT JOIN rr_persons AS p ON p.person_id = src.r_person_id"
		personCols = ", p.pk AS p_pk, p.return_date AS p_return_date, coalesce(p.ok, false) AS p_ok, p.person_id IS NOT NULL AS p_known"
	}
	q := fmt.Sprintf(`INSERT INTO %s (snap, pk, _ord, %s, _reject, _value)
SELECT $snap, %s, _ord, %s, _reject, CASE _reject %s END
FROM (
    SELECT *, CASE %s END AS _reject
    FROM (
        SELECT src._ord, %s, %s%s
        FROM (%s) AS src %s
    )
)`, tn, strings.Join(storeCols, ", "),
		pk, strings.Join(values, ", "), strings.Join(valueCases, " "),
		strings.Join(cases, "\n        "),
		strings.Join(prefixAll("src.", rawCols), ", "), strings.Join(typedCols, ", "), personCols,
		l.sourceSQL(t), join)
	res, err := l.conn.ExecContext(ctx, q, sql.Named("snap", l.snap), sql.Named("today", l.today))
	if err != nil {
		return fmt.Errorf("%s: cannot be read: %s", t.File, firstLine(err.Error()))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	read := t.Rows()
	if t.Format == source.Parquet {
		read = n
	}
	if n != read {
		return fmt.Errorf("%w: %s: the file has %d data records but %d were read; nothing was loaded. The file may be damaged (check quoting near the end of the file)", ErrLoadFailed, t.File, read, n)
	}
	l.sum.Tables.Get(tn).RowsRead = read
	return nil
}

func prefixAll(p string, s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = p + v
	}
	return out
}

func (l *loader) appendInts(ctx context.Context, table string, vals []int64) error {
	return l.conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", table)
		if err != nil {
			return err
		}
		for _, v := range vals {
			if err := a.AppendRow(v); err != nil {
				a.Close()
				return err
			}
		}
		return a.Close()
	})
}

// personKeys rejects later rows of a duplicated person_id among the valid
// rows and builds rr_persons: every person_id of the returnees file, with
// the key and return date of the loaded row when there is one.
func (l *loader) personKeys(ctx context.Context) error {
	if err := l.keyDuplicates(ctx, export.Returnees, "person_id", "person_id", export.ReasonDuplicatePerson); err != nil {
		return err
	}
	q := `CREATE OR REPLACE TEMP TABLE rr_persons AS
SELECT person_id,
       any_value(pk) FILTER (WHERE kept) AS pk,
       any_value(return_date) FILTER (WHERE kept) AS return_date,
       bool_or(kept) AS ok
FROM (
    SELECT r.person_id, r.pk, r.return_date,
           r._reject IS NULL AND d.ord IS NULL AS kept
    FROM returnees AS r
    LEFT JOIN rr_dups_returnees AS d ON d.ord = r._ord
    WHERE r.snap = $snap AND r.person_id IS NOT NULL
)
GROUP BY person_id`
	return l.exec(ctx, q, sql.Named("snap", l.snap))
}

// keyDuplicates finds, among the valid rows of a table, the rows whose key
// repeats an earlier row's (file order) and records them as rejects; it
// leaves their ords in rr_dups_<table>.
func (l *loader) keyDuplicates(ctx context.Context, table, keyExpr, column, reason string) error {
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE rr_dups_%s AS
SELECT _ord AS ord, first_ord, key FROM (
    SELECT _ord, CAST(%s AS VARCHAR) AS key,
           min(_ord) OVER (PARTITION BY %s) AS first_ord
    FROM %s
    WHERE snap = $snap AND _reject IS NULL AND %s IS NOT NULL
) WHERE _ord <> first_ord`, table, keyExpr, keyExpr, table, keyExpr)
	if err := l.exec(ctx, q, sql.Named("snap", l.snap)); err != nil {
		return err
	}
	rows, err := l.conn.QueryContext(ctx, fmt.Sprintf("SELECT ord, first_ord, key FROM rr_dups_%s ORDER BY ord", table))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		k := keyReject{table: table, column: column, reason: reason}
		if err := rows.Scan(&k.ord, &k.first, &k.value); err != nil {
			return err
		}
		l.keyRejects = append(l.keyRejects, k)
	}
	return rows.Err()
}

// childKeys applies the key rules of the child tables among their valid
// rows: unique service_id, unique (person, followup_date), and needs merged
// to the earliest identified_date per (person, need_type).
func (l *loader) childKeys(ctx context.Context) error {
	if l.ex.Tables[export.Services] != nil {
		if err := l.keyDuplicates(ctx, export.Services, "service_id", "service_id", export.ReasonDuplicateSvc); err != nil {
			return err
		}
	}
	if l.ex.Tables[export.Followups] != nil {
		if err := l.keyDuplicates(ctx, export.Followups, "person_id || ' ' || CAST(followup_date AS VARCHAR)", "followup_date", export.ReasonDuplicateFup); err != nil {
			return err
		}
	}
	if l.ex.Tables[export.Needs] == nil {
		return nil
	}
	q := `SELECT _ord, first_ord, person_id, need_type FROM (
    SELECT _ord, person_id, need_type,
           first_value(_ord) OVER (PARTITION BY pk, need_type ORDER BY identified_date, _ord) AS first_ord
    FROM needs
    WHERE snap = $snap AND _reject IS NULL
) WHERE _ord <> first_ord ORDER BY _ord`
	rows, err := l.conn.QueryContext(ctx, q, sql.Named("snap", l.snap))
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
	return rows.Err()
}

// collect reads the row rejects back, maps record numbers to lines and
// fills the summary's counts and rejects.
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
		rows, err := l.conn.QueryContext(ctx, fmt.Sprintf("SELECT _ord, _reject, _value FROM %s WHERE snap = $snap AND _reject IS NOT NULL ORDER BY _ord", tn), sql.Named("snap", l.snap))
		if err != nil {
			return err
		}
		counts := l.sum.Tables.Get(tn)
		for rows.Next() {
			var ord int64
			var code int
			var value sql.NullString
			if err := rows.Scan(&ord, &code, &value); err != nil {
				rows.Close()
				return err
			}
			r := export.Reject{Table: tn, File: t.File, Line: t.Line(ord), Value: value.String}
			if code == 0 {
				r.Reason = malformed[ord]
			} else {
				r.Column, r.Reason = checks[code-1].column, checks[code-1].reason
			}
			l.sum.Rejects = append(l.sum.Rejects, r)
			counts.Rejected++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	merges := 0
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
		if pct := 100 * float64(c.Rejected) / float64(c.RowsRead); pct > l.opt.MaxRejectPct {
			problems = append(problems, fmt.Sprintf("%s: %d of %d rows rejected (%.1f %%), more than the %s %% allowed (--max-reject); see the rejects for the reasons",
				l.ex.Tables[tn].File, c.Rejected, c.RowsRead, pct, trimFloat(l.opt.MaxRejectPct)))
		}
	}
	rows, err := l.conn.QueryContext(ctx, `SELECT r.country, count(*) FROM returnees AS r
		WHERE r.snap = $snap AND r._reject IS NULL AND r._ord NOT IN (SELECT ord FROM rr_dups_returnees)
		GROUP BY r.country ORDER BY count(*) DESC, r.country`, sql.Named("snap", l.snap))
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
		countries = append(countries, fmt.Sprintf("%s (%d persons)", c, n))
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
	byTable := map[string][]int64{}
	for _, k := range l.keyRejects {
		byTable[k.table] = append(byTable[k.table], k.ord)
	}
	if err := l.exec(ctx, "CREATE OR REPLACE TEMP TABLE rr_drop (tbl VARCHAR, ord BIGINT)"); err != nil {
		return err
	}
	err := l.conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "rr_drop")
		if err != nil {
			return err
		}
		for tn, ords := range byTable {
			for _, o := range ords {
				if err := a.AppendRow(tn, o); err != nil {
					a.Close()
					return err
				}
			}
		}
		return a.Close()
	})
	if err != nil {
		return err
	}
	for _, tn := range export.TableNames {
		if l.ex.Tables[tn] == nil {
			continue
		}
		q := fmt.Sprintf(`DELETE FROM %s WHERE snap = $snap AND (_reject IS NOT NULL OR _ord IN (SELECT ord FROM rr_drop WHERE tbl = '%s'))`, tn, tn)
		if err := l.exec(ctx, q, sql.Named("snap", l.snap)); err != nil {
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
	if err := l.storeRejects(ctx); err != nil {
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

func (l *loader) storeRejects(ctx context.Context) error {
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
