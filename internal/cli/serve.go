package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
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
	fs := newFlags(e, "serve", "[--db PATH] [--addr HOST:PORT] [--tokens PATH] [options]",
		"Runs the HTTP service of http.md: analysts upload exports and make reports, donors make and\n"+
			"fetch donor reports. Every /api/ request needs a token (rrstat token create). The store\n"+
			"is locked down: its SQL can read no file but the uploads. SIGINT or SIGTERM stops the\n"+
			"service after the requests under way have finished.")
	db := fs.String("db", "", "the store file (default $RRSTAT_DB, else rrstat.duckdb)")
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on (port 0: any free port, printed on start)")
	tokens := fs.String("tokens", "", "the token file `PATH` (default <db>.tokens.json)")
	reportsDir := fs.String("reports", "", "the folder that holds the reports made by the service (default <db>.reports)")
	uploads := fs.String("uploads", "", "the private folder uploads are received and unpacked in (default <db>.uploads)")
	auditPath := fs.String("audit", "", "the audit log `PATH`, JSON lines (default <db>.audit.jsonl)")
	lay := fs.String("layout", "", "a report layout `FILE` (default: the built-in reports/quarterly.yaml)")
	maxBody := sizeFlag(httpapi.DefaultLimits.MaxBodyBytes)
	maxUnpacked := sizeFlag(httpapi.DefaultLimits.MaxUnpackedBytes)
	fs.Var(&maxBody, "max-body", "the largest upload `SIZE` (bytes, or with KiB, MiB, GiB)")
	fs.Var(&maxUnpacked, "max-unpacked", "the most an uploaded zip or xlsx may unpack to (`SIZE`)")
	maxEntries := fs.Int("max-entries", httpapi.DefaultLimits.MaxEntries, "the most entries an uploaded zip or xlsx may hold")
	maxReject := fs.Float64("max-reject", 5, "the most rows of a table, in per cent, that a load may reject")
	minK := fs.Int("min-k", httpapi.DefaultMinK, "the least disclosure threshold k of a donor report")
	grace := fs.Duration("shutdown-timeout", 2*time.Minute, "how long a stop waits for requests under way")
	logJSON := fs.Bool("log-json", false, "write the service log (stderr) as JSON lines")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "serve", "unexpected argument %q", pos[0])
	}
	if *maxEntries < 1 {
		return usageError(e, "serve", "--max-entries must be at least 1")
	}
	if *maxReject < 0 || *maxReject > 100 {
		return usageError(e, "serve", "--max-reject must be from 0 to 100")
	}
	if *minK < 1 {
		return usageError(e, "serve", "--min-k must be at least 1")
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
	// The upload folder must exist before DuckDB is told it is the only one
	// it may read.
	srvCfg := httpapi.Config{
		Catalogue: cat, Layout: l, Tokens: tok, Audit: audit, Log: log,
		UploadDir: uploadDir, ReportsDir: orDefault(*reportsDir, ".reports"),
		Limits:       httpapi.Limits{MaxBodyBytes: int64(maxBody), MaxUnpackedBytes: int64(maxUnpacked), MaxEntries: *maxEntries},
		MaxRejectPct: duckdb.Percent(*maxReject), MinK: *minK, Version: Version, Now: e.now,
	}
	if err := mkPrivateDir(uploadDir); err != nil {
		return failf(e, "serve", "upload folder: %v", err)
	}
	// The store outlives ctx: a stop cancels ctx, and the requests under way
	// must still get connections (DuckDB prepares each with Open's context).
	store, err := duckdb.Open(context.WithoutCancel(ctx), dbPath, duckdb.Options{Lockdown: true, AllowedDirs: []string{uploadDir}})
	if err != nil {
		return failf(e, "serve", "%v", err)
	}
	storeOpen := true
	defer func() {
		if storeOpen {
			store.Close()
		}
	}()
	srvCfg.Store = store
	api, err := httpapi.New(srvCfg)
	if err != nil {
		return failf(e, "serve", "%v", err)
	}
	defer api.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return failf(e, "serve", "listen on %s: %v", *addr, err)
	}
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !isLoopback(host) {
		log.Warn("listening beyond loopback: put TLS in front of the service (a reverse proxy); tokens travel in every request", "addr", ln.Addr().String())
	}
	fmt.Fprintf(e.stderr, "rrstat serve: listening on http://%s/ (store %s); stop with Ctrl-C\n", ln.Addr(), dbPath)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
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
	storeOpen = false
	if err := store.Close(); err != nil {
		return failf(e, "serve", "close store: %v", err)
	}
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
