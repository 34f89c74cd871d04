# Thin front for the Meson build.  `make demo` and `make check` are the whole
# set-up on a fresh Debian 12 machine: both run `make deps` first.
BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
MESON      ?= meson
FUZZ_SECONDS ?= 20

.PHONY: all deps demo check unit e2e sanitize fuzz-smoke bench clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

deps:
	@./scripts/deps.sh

demo: deps all
	./scripts/demo.sh $(BUILD)/hotpath

# Every test: unit tests, end-to-end tests, the same unit and end-to-end tests
# under ASan+UBSan, and a short run of every fuzz target over its corpus.
check: deps all
	./tests/pg/with-pg.sh $(MESON) test -C $(BUILD) --print-errorlogs
	./tests/e2e/run.sh $(BUILD)/hotpath
	$(MAKE) sanitize
	$(MAKE) fuzz-smoke
	@echo "make check: all test groups passed"

unit: all
	$(MESON) test -C $(BUILD) --print-errorlogs

e2e: all
	./tests/e2e/run.sh $(BUILD)/hotpath

$(BUILD_SAN)/build.ninja:
	CC=clang $(MESON) setup $(BUILD_SAN) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

sanitize: $(BUILD_SAN)/build.ninja
	ninja -C $(BUILD_SAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		./tests/pg/with-pg.sh $(MESON) test -C $(BUILD_SAN) --print-errorlogs
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		HOTPATH_SANITIZED=1 ./tests/e2e/run.sh $(BUILD_SAN)/hotpath

$(BUILD_FUZZ)/build.ninja:
	CC=clang $(MESON) setup $(BUILD_FUZZ) -Dfuzz=true -Dtests=disabled -Db_lundef=false -Dbuildtype=debugoptimized

fuzz-smoke: $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD_FUZZ)
	./tests/fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

bench: all
	./bench/run.sh $(BUILD)/hotpath

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
