# Two entry points (see README.md):
#   make demo   install what is missing, build, run the end-to-end demo
#   make test   install what is missing, build, run every test phase (scripts/test-all.sh)
# Other targets: build, bench, fuzz, install, clean.

BUILD_DIR ?= build
SAN_BUILD_DIR ?= build-san
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
CMAKE_FLAGS ?=

.PHONY: all deps build demo test bench fuzz install clean

all: build

deps:
	./scripts/install-deps.sh

# Configures once; later runs only rebuild what changed.
build: deps
	@if [ ! -f $(BUILD_DIR)/CMakeCache.txt ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS); \
	fi
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	./$(BUILD_DIR)/bin/nooterra-demo

test: build
	BUILD_DIR=$(abspath $(BUILD_DIR)) SAN_BUILD_DIR=$(abspath $(SAN_BUILD_DIR)) JOBS=$(JOBS) \
	  ./scripts/test-all.sh

bench: build
	./$(BUILD_DIR)/bin/nooterra-bench

# Longer fuzzing (FUZZ_SECONDS per target, default 600) on the sanitizer build.
fuzz: deps
	FUZZ_SECONDS=$${FUZZ_SECONDS:-600} ./scripts/fuzz.sh $(abspath $(SAN_BUILD_DIR))

install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD_DIR) $(SAN_BUILD_DIR)
