# Onboard: `make run` opens the app, `make test` runs every test. Both install the
# missing Debian/Ubuntu packages first (as root, or through sudo).

GO       ?= go
TAGS     := -tags migrated_fynedo
BIN      := bin/onboard
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X onboard/internal/cli.Version=$(VERSION)

# Fyne's build headers, plus what the tests and screenshots use.
DEBS := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
        libxinerama-dev libxi-dev libxxf86vm-dev libgl1-mesa-dri xvfb x11-apps x11-utils netpbm \
        poppler-utils zbar-tools xdotool chromium postgresql

.PHONY: deps build run test vet bench screenshots clean

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

test: build vet
	LANG=en_US.UTF-8 $(GO) test -race $(TAGS) ./...
	cd internal/early/localeenv && $(GO) test ./...

bench: deps
	LANG=en_US.UTF-8 $(GO) test $(TAGS) -run '^$$' -bench . -benchtime 3x -count 5 ./...

screenshots: build
	scripts/screenshots.sh screenshots

clean:
	rm -rf bin screenshots
