package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/httpapi"
)

// sizeFlag is a byte size flag: a number with an optional unit (KiB, MiB,
// GiB, or KB, MB, GB).
type sizeFlag int64

func (s *sizeFlag) String() string { return strconv.FormatInt(int64(*s), 10) }

func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

func parseSize(v string) (int64, error) {
	t := strings.TrimSpace(v)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(strings.ToLower(t), strings.ToLower(u.suffix)) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size: use a positive number of bytes, optionally with KiB, MiB or GiB", v)
	}
	return n * mult, nil
}

func runServe(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "serve", "[--db PATH] [--addr HOST:PORT] [--tokens PATH] [--tls-cert FILE --tls-key FILE] [options]",
		"Runs the HTTP service of http.md: analysts upload exports and make reports, donors make and\n"+
			"fetch donor reports. Every /api/ request needs a token (rrstat token create). The store\n"+
			"is opened only while a request needs it (read-only, shared, except during a load), so the\n"+
			"command line's snapshots and report work beside the service. Its SQL can read no file\n"+
			"but the uploads. SIGINT or SIGTERM stops the service after the requests under way have\n"+
			"finished.")
	db := fs.String("db", "", "the store file (default $RRSTAT_DB, else rrstat.duckdb)")
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on (port 0: any free port, printed on start)")
	tokens := fs.String("tokens", "", "the token file `PATH` (default <db>.tokens.json)")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS (HTTP/2) with the certificate chain in `FILE` (PEM); needs --tls-key")
	tlsKey := fs.String("tls-key", "", "the private key of --tls-cert, in `FILE` (PEM)")
	reportsDir := fs.String("reports", "", "the folder that holds the reports made by the service (default <db>.reports)")
	uploads := fs.String("uploads", "", "the service's private working folder: uploads, temporary files (default <db>.uploads; emptied at start)")
	auditPath := fs.String("audit", "", "the audit log `PATH`, JSON lines (default <db>.audit.jsonl)")
	lay := fs.String("layout", "", "a report layout `FILE` (default: the built-in reports/quarterly.yaml)")
	keepDays := fs.Int("keep-days", 90, "remove reports older than this many days (0: keep them)")
	def := httpapi.DefaultLimits
	maxBody, maxUnpacked, maxPart, maxSheet := sizeFlag(def.MaxBodyBytes), sizeFlag(def.MaxUnpackedBytes), sizeFlag(def.MaxPartBytes), sizeFlag(def.MaxSheetBytes)
	maxMemory := sizeFlag(1 << 30)
	fs.Var(&maxBody, "max-body", "the largest upload `SIZE` (bytes, or with KiB, MiB, GiB)")
	fs.Var(&maxUnpacked, "max-unpacked", "the most an uploaded zip or xlsx may unpack to (`SIZE`)")
	fs.Var(&maxPart, "max-part", "the most one part of an uploaded zip or xlsx may unpack to (`SIZE`)")
	fs.Var(&maxSheet, "max-sheet-memory", "the most the cells of an uploaded workbook may take in memory (`SIZE`)")
	fs.Var(&maxMemory, "max-memory", "the memory the service aims to stay under, DuckDB's memory limit included (`SIZE`)")
	maxEntries := fs.Int("max-entries", def.MaxEntries, "the most entries an uploaded zip or xlsx may hold")
	maxRows := fs.Int64("max-rows", def.MaxRows, "the most data rows an upload may hold, all tables together")
	maxRejects := fs.Int64("max-rejects", def.MaxRejects, "the most rejected rows of an upload the service lists; an upload with more fails with a sample")
	perMinute := fs.Int("reports-per-minute", def.ReportsPerMinute, "the most reports one token may make in a minute")
	maxReject := fs.Float64("max-reject", 5, "the most rows of a table, in per cent, that a load may reject")
	minK := fs.Int("min-k", httpapi.DefaultMinK, "the least disclosure threshold k of a donor report")
	dt := httpapi.DefaultTimeouts
	headerTimeout := fs.Duration("header-timeout", dt.Header, "how long a client may take to send a request's headers")
	bodyTimeout := fs.Duration("body-timeout", dt.Body, "how long a client may take to send a request body other than an upload")
	uploadTimeout := fs.Duration("upload-timeout", dt.Upload, "how long a client may take to send an upload")
	stallTimeout := fs.Duration("stall-timeout", dt.Stall, "the longest pause a client may make while sending a body")
	grace := fs.Duration("shutdown-timeout", 2*time.Minute, "how long a stop waits for requests under way")
	logJSON := fs.Bool("log-json", false, "write the service log (stderr) as JSON lines")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "serve", "unexpected argument %q", pos[0])
	}
	switch {
	case *maxEntries < 1:
		return usageError(e, "serve", "--max-entries must be at least 1")
	case *maxRows < 1:
		return usageError(e, "serve", "--max-rows must be at least 1")
	case *maxRejects < 1:
		return usageError(e, "serve", "--max-rejects must be at least 1")
	case *perMinute < 1:
		return usageError(e, "serve", "--reports-per-minute must be at least 1")
	case *maxReject < 0 || *maxReject > 100:
		return usageError(e, "serve", "--max-reject must be from 0 to 100")
	case *minK < 1:
		return usageError(e, "serve", "--min-k must be at least 1")
	case *keepDays < 0:
		return usageError(e, "serve", "--keep-days must be 0 (keep) or more")
	case (*tlsCert == "") != (*tlsKey == ""):
		return usageError(e, "serve", "--tls-cert and --tls-key go together")
	case maxMemory < 64<<20:
		return usageError(e, "serve", "--max-memory must be at least 64MiB")
	}
	for _, d := range []*time.Duration{headerTimeout, bodyTimeout, uploadTimeout, stallTimeout} {
		if *d <= 0 {
			return usageError(e, "serve", "timeouts must be positive")
		}
	}
	dbPath := e.dbPath(*db)
	if dbPath == ":memory:" {
		return usageError(e, "serve", "--db must be a file")
	}
	orDefault := func(v, suffix string) string {
		if v != "" {
			return v
		}
		return dbPath + suffix
	}
	uploadDir, err := filepath.Abs(orDefault(*uploads, ".uploads"))
	if err != nil {
		return failf(e, "serve", "%v", err)
	}
	var tlsConfig *tls.Config
	if *tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return failf(e, "serve", "--tls-cert/--tls-key: %v", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	var handler slog.Handler = slog.NewTextHandler(e.stderr, nil)
	if *logJSON {
		handler = slog.NewJSONHandler(e.stderr, nil)
	}
	log := slog.New(handler)

	cat, err := loadCatalogue("")
	if err != nil {
		return failf(e, "serve", "%v", err)
	}
	l, err := loadLayout(*lay, cat)
	if err != nil {
		return failf(e, "serve", "%v", err)
	}
	tokPath := e.tokensPath(*tokens, *db)
	tok, n, err := httpapi.OpenTokens(tokPath)
	if err != nil {
		return failf(e, "serve", "%v", err)
	}
	if n == 0 {
		log.Warn("no token yet: every /api/ request will be refused until one is created", "tokens", tokPath,
			"hint", "rrstat token create --tokens "+tokPath+" --role analyst --name NAME")
	}
	audit, err := httpapi.OpenAudit(orDefault(*auditPath, ".audit.jsonl"))
	if err != nil {
		return failf(e, "serve", "%v", err)
	}
	defer audit.Close()

	// Memory: DuckDB's limit (on each handle; the service holds at most one
	// at a time) and Go's own soft limit share --max-memory, leaving a
	// fifth for what neither counts (DuckDB's code and caches, stacks).
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(maxMemory) * 2 / 5))
	store := &duckdb.Access{Path: dbPath, Options: duckdb.Options{
		MemoryLimit: fmt.Sprintf("%dMB", int64(maxMemory)*2/5/1e6), Lockdown: true, AllowedDirs: []string{uploadDir},
		TempDirectory: filepath.Join(uploadDir, "duckdb.tmp"),
	}}
	srvCfg := httpapi.Config{
		Store: store, Catalogue: cat, Layout: l, Tokens: tok, Audit: audit, Log: log,
		UploadDir: uploadDir, ReportsDir: orDefault(*reportsDir, ".reports"),
		Limits: httpapi.Limits{MaxBodyBytes: int64(maxBody), MaxUnpackedBytes: int64(maxUnpacked), MaxEntries: *maxEntries,
			MaxPartBytes: int64(maxPart), MaxRows: *maxRows, MaxSheetBytes: int64(maxSheet), MaxRejects: *maxRejects, ReportsPerMinute: *perMinute},
		Timeouts:     httpapi.Timeouts{Header: *headerTimeout, Body: *bodyTimeout, Upload: *uploadTimeout, Stall: *stallTimeout},
		KeepFor:      time.Duration(*keepDays) * 24 * time.Hour,
		MaxRejectPct: duckdb.Percent(*maxReject), MinK: *minK, Version: Version, Now: e.now,
	}
	// The upload folder must exist before DuckDB is told it is the only one
	// it may read; New empties it (what a killed run left).
	if err := mkPrivateDir(uploadDir); err != nil {
		return failf(e, "serve", "upload folder: %v", err)
	}
	api, err := httpapi.New(srvCfg)
	if err != nil {
		return failf(e, "serve", "%v", err)
	}
	defer api.Close()
	// Any library that writes temporary files without being told where
	// writes them into the working folder too.
	tmp := filepath.Join(uploadDir, "tmp")
	if err := mkPrivateDir(tmp); err != nil {
		return failf(e, "serve", "upload folder: %v", err)
	}
	oldTmp, hadTmp := os.LookupEnv("TMPDIR")
	os.Setenv("TMPDIR", tmp)
	defer func() {
		if hadTmp {
			os.Setenv("TMPDIR", oldTmp)
		} else {
			os.Unsetenv("TMPDIR")
		}
	}()

	// Create or upgrade the store now, waiting for a load of another
	// process to end.
	store.Wait = func(holder string) {
		fmt.Fprintf(e.stderr, "rrstat serve: waiting for the store %s, in use by %s\n", dbPath, holder)
	}
	if err := store.Write(ctx, func(*duckdb.Store) error { return nil }); err != nil {
		return failf(e, "serve", "%v", err)
	}
	// Later waits (a load beside a report of the command line) are logged.
	store.Wait = func(holder string) { log.Info("waiting for the store", "held_by", holder) }

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return failf(e, "serve", "listen on %s: %v", *addr, err)
	}
	srv := api.HTTPServer()
	scheme := "http"
	if tlsConfig != nil {
		srv.TLSConfig = tlsConfig
		scheme = "https"
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !isLoopback(host) && tlsConfig == nil {
		log.Warn("listening beyond loopback without TLS: give --tls-cert and --tls-key, or put TLS in front of the service; tokens travel in every request", "addr", ln.Addr().String())
	}
	fmt.Fprintf(e.stderr, "rrstat serve: listening on %s://%s/ (store %s); stop with Ctrl-C\n", scheme, ln.Addr(), dbPath)
	served := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			served <- srv.ServeTLS(ln, "", "")
		} else {
			served <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return failf(e, "serve", "%v", err)
		}
	case <-ctx.Done():
		fmt.Fprintln(e.stderr, "rrstat serve: stopping; waiting for the requests under way")
		sctx, cancel := context.WithTimeout(context.Background(), *grace)
		err := srv.Shutdown(sctx)
		cancel()
		if err != nil {
			srv.Close()
			log.Error("requests still running at the end of --shutdown-timeout were cut off", "err", err)
		}
	}
	// Every request has ended, and with it every handle on the store.
	fmt.Fprintln(e.stderr, "rrstat serve: stopped; the store is closed")
	return ExitOK
}

// mkPrivateDir makes dir (mode 0700) when absent and makes it private.
func mkPrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(dir, 0o700)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
