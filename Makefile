# Top-level wrapper around CMake. `make help` lists the targets.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
PORT       ?= 2222
PREFIX     ?= /usr/local

# cmake --build runs make too; keep its "Entering directory" lines out of the output.
MAKEFLAGS  += --no-print-directory

# Sanitizer runtime options for `make test-asan` (CMake adds -fno-sanitize-recover=undefined).
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1 \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
           LSAN_OPTIONS=report_objects=0

# configure DIR CMAKE-ARGS: run CMake once; later `cmake --build` re-runs it on its own when needed.
configure = test -f $(1)/CMakeCache.txt || cmake -S . -B $(1) $(2)

.PHONY: all build run test test-asan install clean help

all: build

help:
	@echo "make            check build deps, build everything into $(BUILD)/"
	@echo "make run        build, create demo keys in .burrow/, run burrowd on 127.0.0.1:$(PORT)"
	@echo "make test       check/install test peers, build, run unit + engine + interop tests"
	@echo "make test-asan  the same with AddressSanitizer + UBSan, in $(BUILD_ASAN)/"
	@echo "make install    build, then install into $(PREFIX) (bin, sbin, lib/systemd/system) and"
	@echo "                /etc/burrow/burrowd_config unless present; honours DESTDIR and PREFIX"
	@echo "make clean      remove $(BUILD)/ and $(BUILD_ASAN)/"

build:
	@scripts/deps
	@$(call configure,$(BUILD),-DCMAKE_BUILD_TYPE=$(BUILD_TYPE))
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/run-demo $(BUILD) $(PORT)

test:
	@scripts/deps --test
	@$(call configure,$(BUILD),-DCMAKE_BUILD_TYPE=$(BUILD_TYPE))
	cmake --build $(BUILD) -j $(JOBS)
	@scripts/run-tests $(BUILD)

test-asan:
	@scripts/deps --test
	@$(call configure,$(BUILD_ASAN),-DCMAKE_BUILD_TYPE=Debug -DBURROW_SANITIZE=ON)
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	@$(ASAN_ENV) scripts/run-tests $(BUILD_ASAN)

install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
