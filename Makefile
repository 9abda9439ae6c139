# nfv-records: everything a developer or CI runs. Needs only Go (and gcc for -race, when present).
SHELL   := /bin/bash
.SHELLFLAGS := -o pipefail -c
GO      ?= go
PKGS    := ./...
# The race detector needs cgo; use it wherever a C compiler is present.
RACE    ?= $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v gcc >/dev/null 2>&1 && echo -race)
BENCH   ?= .
BENCHCOUNT ?= 5
URL     ?= http://localhost:4012

.PHONY: run build test unit lint docs docs-check bench loadtest fuzz seed clean

## run: serve on :4012 with the embedded store under ./data (no set-up needed)
run:
	$(GO) run .

## build: a static binary in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o bin/nfv-records .

## test: formatting, vet, docs freshness, then every test (unit and integration, on the real embedded
## store, and the MongoDB backend through a FerretDB stand-in, or TEST_MONGO_URI when set)
test: lint docs-check
	$(GO) test $(RACE) -count=1 -timeout 15m $(PKGS)

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	$(GO) vet $(PKGS)

## docs: regenerate the OpenAPI spec in docs/ from the handler annotations (swag pinned in go.mod)
docs:
	$(GO) tool swag init --quiet -g main.go -o docs --outputTypes go,json,yaml
	gofmt -w docs/docs.go

## docs-check: fail when the OpenAPI files in docs/ are stale (docs/guide/ is written by hand)
docs-check:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf $$tmp' EXIT; \
	  $(GO) tool swag init --quiet -g main.go -o $$tmp/docs --outputTypes go,json,yaml; \
	  gofmt -w $$tmp/docs/docs.go; \
	  for f in docs.go swagger.json swagger.yaml; do \
	    if ! diff $$tmp/docs/$$f docs/$$f; then echo "docs/$$f is stale: run 'make docs' and commit it"; exit 1; fi; done

## bench: router vs store benchmarks on the embedded store, with ratios (BENCH=regexp, BENCHCOUNT=n)
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(BENCHCOUNT) -timeout 60m $(PKGS) | tee bench.out
	$(GO) run ./cmd/benchratio bench.out

## loadtest: build the binary, load it with 10k then 100k VNFRs, and report each scenario against
## /healthz in the same run (LOADTEST_ARGS: e.g. -records 10000 -big 0 -duration 5s)
LOADTEST_ARGS ?=
loadtest: build
	$(GO) run ./cmd/loadtest -bin bin/nfv-records $(LOADTEST_ARGS)

## fuzz: run each fuzz target for FUZZTIME (default 30s)
FUZZTIME ?= 30s
fuzz:
	@for t in $$(grep -rho 'func Fuzz[A-Za-z0-9_]*' --include='*_test.go' . | sed 's/func //' | sort -u); do \
	  pkg=$$(dirname $$(grep -rl "func $$t(" --include='*_test.go' . | head -1)); \
	  echo "== $$t in $$pkg"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; done

## seed: load the example records and descriptors in fixtures/ into a running service at URL
seed:
	$(GO) run ./cmd/nfv-seed -url $(URL) -wait 3m

clean:
	rm -rf bin bench.out
