# chatctl: `make serve` runs the chat on http://127.0.0.1:8080, `make test` runs every test.
SWIFT ?= swift
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: deps build release serve test bench completions clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build --product chatctl

release: deps
	$(SWIFT) build -c release --product chatctl

serve: build
	.build/debug/chatctl serve --host $(HOST) --port $(PORT)

test: deps
	scripts/with-mongo.sh scripts/run-tests.sh

bench: deps
	scripts/bench.sh

completions: build
	scripts/gen-completions.sh

clean:
	rm -rf .build
