# Hookline developer tasks. `make help` lists them; CI runs `make ci`.

GO ?= go
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

.DEFAULT_GOAL := help
.PHONY: help build test test-postgres vet lint generate run js-tour ci

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build ./hookline from cmd/hookline
	$(GO) build -o hookline ./cmd/hookline

test: ## run every test with the race detector
	$(GO) test -race ./...

test-postgres: ## run every test with HOOKLINE_TEST_DATABASE_URL pointing at PostgreSQL on 127.0.0.1:5432
	HOOKLINE_TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(GO) test -race ./...

vet: ## go vet ./...
	$(GO) vet ./...

lint: ## fail if any file needs gofmt
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

generate: ## go generate ./...
	$(GO) generate ./...

run: ## run Hookline in dev mode (SQLite in ./hookline-data)
	$(GO) run ./cmd/hookline serve --dev

js-tour: ## npm ci in compat/svix-js, then the Svix JavaScript SDK tour against a server on each backend
	cd compat/svix-js && npm ci --no-audit --no-fund
	HOOKLINE_REQUIRE_JS_TOUR=1 HOOKLINE_TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(GO) test -count=1 -run '^TestSvixJSTour$$' ./internal/server/

ci: ## everything CI checks: see .ci/run
	bash .ci/run
