# Hearth build and test entry points. `make test` and `make demo` install
# what a fresh machine with Go, Node and npm lacks (npm packages, the
# wasmbrowsertest runner, and Debian's chromium when running as root).

GO        ?= go
PORT      ?= 8080
DIST      := web/dist
BIN       := $(CURDIR)/.bin
WASM_EXEC := $(shell $(GO) env GOROOT)/lib/wasm/wasm_exec.js
CHROMIUM  ?= /usr/bin/chromium
WASMBROWSERTEST_VERSION := v0.11.0
# Packages with js/wasm tests, run inside headless Chromium.
WASM_TEST_PKGS := ./idb/... ./jsbridge/...

.PHONY: build test test-go test-wasm test-e2e demo bench-browser bench-records bench-peers deps chromium clean

build: $(DIST)/hearth.wasm $(DIST)/wasm_exec.js $(patsubst web/src/%,$(DIST)/%,$(wildcard web/src/*))

$(DIST)/hearth.wasm: go.mod go.sum $(shell find crdt engine idb jsbridge query sync wasm -name '*.go' ! -name '*_test.go' 2>/dev/null)
	@mkdir -p $(DIST)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $@ ./wasm

$(DIST)/wasm_exec.js: $(WASM_EXEC)
	@mkdir -p $(DIST)
	cp $< $@

$(DIST)/%: web/src/%
	@mkdir -p $(DIST)
	cp $< $@

test: build deps
	$(MAKE) test-go test-wasm test-e2e

test-go:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

test-wasm: $(BIN)/wasmbrowsertest
	GOOS=js GOARCH=wasm $(GO) vet $(WASM_TEST_PKGS) ./wasm
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec=$(BIN)/wasmbrowsertest $(WASM_TEST_PKGS)

test-e2e: build $(BIN)/relay
	node --test --test-concurrency=1 web/test/*.test.mjs

# The demo: the relay serves web/ (the demo page and the built package) and
# syncs every window that opens it; its data lives in .demo-data/.
demo: build $(BIN)/relay
	@echo "Hearth demo: http://127.0.0.1:$(PORT)/demo/  (Ctrl-C to stop)"
	$(BIN)/relay -addr 127.0.0.1:$(PORT) -static web -open -data .demo-data

bench-browser: build deps
	node web/bench/open-time.mjs
	node web/bench/engine.mjs

# Hearth beside raw IndexedDB and Dexie on 10,000 records, and fresh
# clients joining 100,000-record spaces through a relay process (issue 15;
# docs/bench-browser.md, "Records"). Run alone: it is long and CPU-bound.
bench-records: build node_modules/.package-lock.json chromium $(BIN)/relay
	node web/bench/records.mjs

# Hearth beside Yjs, Loro and Automerge on real editing traces
# (docs/bench-peers.md); the traces live in ../shared/traces (or TRACES).
bench-peers: build deps web/bench/peers.bundle.js
	node web/bench/peers.mjs

# The peers' page code with the three libraries, for the browser; Hearth
# stays unbundled, imported from web/dist as an app would. Not committed.
web/bench/peers.bundle.js: web/bench/peers-page.js web/bench/peers-systems.js web/bench/peers-trace.js web/bench/peers-hearth.js node_modules/.package-lock.json
	npx esbuild web/bench/peers-page.js --bundle --format=esm --platform=browser --log-level=warning --outfile=$@

deps: node_modules/.package-lock.json chromium $(BIN)/wasmbrowsertest

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(BIN)/relay: go.mod go.sum $(shell find crdt sync relay cmd/relay -name '*.go' ! -name '*_test.go' 2>/dev/null)
	$(GO) build -o $@ ./cmd/relay

$(BIN)/wasmbrowsertest:
	GOBIN=$(BIN) $(GO) install github.com/agnivade/wasmbrowsertest@$(WASMBROWSERTEST_VERSION)

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian chromium"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium is missing: run 'sudo apt-get install -y chromium' (or set CHROMIUM=/path/to/chromium)"; exit 1; \
		fi; \
	fi

clean:
	rm -rf $(DIST) $(BIN) web/bench/peers.bundle.js
