.PHONY: placeholder
placeholder:
	@true

.PHONY: bench
bench:
	./scripts/bench.sh
