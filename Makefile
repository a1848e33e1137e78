# rrstat: build, test and demo. A fresh clone needs Go 1.26, gcc (cgo for
# DuckDB) and npm (to fetch ECharts once, see `assets`); .ci/run installs the
# rest (LibreOffice, Chromium, poppler) for the end-to-end checks.
GO      ?= go
BIN     := bin/rrstat
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X rrstat/internal/cli.Version=$(VERSION)

.PHONY: build test demo bench bench-load bench-report clean

## build: compile bin/rrstat (fetches the dashboard script first)
build: assets
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/rrstat

## test: run every test
test: assets
	$(GO) vet ./...
	$(GO) test -count=1 ./...

## demo: generate the synthetic regional dataset and write an analyst and a donor report
demo: build
	./$(BIN) demo

## bench: the load and report benchmarks at 100k and 1M persons (minutes; see README)
bench: bench-load bench-report

bench-load: assets
	RRSTAT_BENCH=1 $(GO) test -run '^$$' -bench 'BenchmarkLoad' -benchtime 1x -timeout 60m ./internal/bench/

bench-report: assets
	RRSTAT_BENCH=1 $(GO) test -run '^$$' -bench 'BenchmarkReport' -benchtime 1x -timeout 60m ./internal/bench/

clean:
	rm -rf bin out

# ECharts for the offline dashboard (internal/charts). The script is not
# committed: `make assets` fetches the npm package, checks it against the
# pinned integrity hash (and against the registry's), and extracts
# dist/echarts.min.js into internal/charts/assets/, which go:embed picks up.
ECHARTS_VERSION   := 5.4.3
ECHARTS_INTEGRITY := sha512-mYKxLxhzy6zyTi/FaEbJMOZU1ULGEQHaeIeuMR5L+JnJTpz+YR03mnnpBhbR4+UYJAgiXgpyTVLffPAjOTLkZA==
ECHARTS_JS        := internal/charts/assets/echarts.min.js

.PHONY: assets
assets: $(ECHARTS_JS)

$(ECHARTS_JS):
	@set -eu; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	tgz=$$(cd "$$tmp" && npm pack --silent echarts@$(ECHARTS_VERSION)); \
	got="sha512-$$(openssl dgst -sha512 -binary "$$tmp/$$tgz" | base64 | tr -d '\n')"; \
	registry=$$(npm view echarts@$(ECHARTS_VERSION) dist.integrity); \
	if [ "$$got" != "$(ECHARTS_INTEGRITY)" ] || [ "$$registry" != "$(ECHARTS_INTEGRITY)" ]; then \
		echo "echarts@$(ECHARTS_VERSION): integrity mismatch" >&2; \
		echo "  pinned:   $(ECHARTS_INTEGRITY)" >&2; \
		echo "  tarball:  $$got" >&2; \
		echo "  registry: $$registry" >&2; \
		exit 1; \
	fi; \
	tar -xzf "$$tmp/$$tgz" -C "$$tmp" package/dist/echarts.min.js; \
	mkdir -p $(dir $@); \
	cp "$$tmp/package/dist/echarts.min.js" $@.tmp && mv $@.tmp $@; \
	echo "wrote $@ (echarts $(ECHARTS_VERSION), $$got)"
