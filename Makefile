# Onboard: `make run` opens the app, `make test` runs every test. Both install the
# missing Debian/Ubuntu packages first (as root, or through sudo).

GO       ?= go
TAGS     := -tags migrated_fynedo,sqlite_fts5
BIN      := bin/onboard
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X onboard/internal/cli.Version=$(VERSION)

# Fyne's build headers, plus what the tests and screenshots use.
DEBS := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
        libxinerama-dev libxi-dev libxxf86vm-dev libgl1-mesa-dri xvfb x11-apps x11-utils netpbm \
        poppler-utils zbar-tools xdotool chromium postgresql

.PHONY: deps build run test vet lint tools bench bench-import bench-letters screenshots clean

deps:
	@command -v dpkg-query >/dev/null 2>&1 || { echo "deps: not a Debian/Ubuntu system; see README.md for what to install"; exit 0; }; \
	missing=""; for p in $(DEBS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
		echo "Installing:$$missing"; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(GO) build $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN) .
	$(GO) build -o bin/onboard-server ./cmd/onboard-server

run: build
	./$(BIN)

vet:
	$(GO) vet $(TAGS) ./...

# Lint tools, built from source through the module proxy at pinned versions.
TOOLS       := $(CURDIR)/bin/tools
GOFUMPT     := mvdan.cc/gofumpt@v0.9.2
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.7.0
GOCYCLO     := github.com/fzipp/gocyclo/cmd/gocyclo@v0.6.0
CYCLO_MAX   := 20

tools:
	@mkdir -p $(TOOLS)
	@[ -x $(TOOLS)/gofumpt ] || GOBIN=$(TOOLS) $(GO) install $(GOFUMPT)
	@[ -x $(TOOLS)/staticcheck ] || GOBIN=$(TOOLS) $(GO) install $(STATICCHECK)
	@[ -x $(TOOLS)/gocyclo ] || GOBIN=$(TOOLS) $(GO) install $(GOCYCLO)

# lint: formatting (gofumpt, a stricter gofmt), go vet, staticcheck, and a bound on
# the cyclomatic complexity of every function outside tests. It lists the functions
# over 15 as the next ones to simplify.
lint: deps tools vet
	@out=$$($(TOOLS)/gofumpt -l . ); if [ -n "$$out" ]; then echo "gofumpt: not formatted:"; echo "$$out"; exit 1; fi
	$(TOOLS)/staticcheck $(TAGS) ./...
	@out=$$($(TOOLS)/gocyclo -over $(CYCLO_MAX) -ignore '_test|internal/early' .); \
		if [ -n "$$out" ]; then echo "gocyclo: over $(CYCLO_MAX):"; echo "$$out"; exit 1; fi
	@echo "gocyclo: functions over 15 (bound $(CYCLO_MAX)):"; $(TOOLS)/gocyclo -over 15 -ignore '_test|internal/early' . || true

test: build vet
	LANG=en_US.UTF-8 $(GO) test -race $(TAGS) ./...
	cd internal/early/localeenv && $(GO) test ./...

bench: deps
	LANG=en_US.UTF-8 $(GO) test $(TAGS) -run '^$$' -bench . -benchtime 3x -count 5 ./...

# bench-import: the import command's time and peak memory (peak-MB) for 100k- and
# 300k-row CSV files, into an empty store and into one of 100k users.
bench-import: deps
	LANG=en_US.UTF-8 $(GO) test $(TAGS) -run '^$$' -bench 'ImportCSVScale' -benchtime 1x -count 3 ./internal/importer

# bench-letters: letters printed by Onboard against the same letters exported to PDF
# by LibreOffice Writer (needs soffice: apt-get install libreoffice-writer-nogui);
# prints both times and the ratio.
bench-letters: deps
	LANG=en_US.UTF-8 $(GO) test $(TAGS) -run '^$$' -bench 'LettersVsOffice' -benchtime 1x ./internal/letters

screenshots: build
	scripts/screenshots.sh screenshots

clean:
	rm -rf bin screenshots
