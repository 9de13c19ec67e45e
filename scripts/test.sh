#!/usr/bin/env bash
# Builds Wharf and runs every test: unit and integration tests on the release (static) build, then the
# unit and integration tests again under AddressSanitizer + UndefinedBehaviorSanitizer (dynamic build,
# real libmnl.so), then every parser under libFuzzer (clang). Between the first two, the Debian package
# is built, installed, used and removed. Integration tests need root: they build
# throwaway network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
echo "== release build (static plugins)"
# Release (-O3), the type packagers and most users pick; scripts/build-types.sh builds the other three
# and Clang's. The sanitizer build below is Debug.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DWHARF_WERROR=ON >/dev/null
ninja -C build -j"$jobs" all header_check  # header_check: every header compiles on its own
echo "== unit and integration tests (release)"
ctest --test-dir build -L 'unit|integration' --output-on-failure -j2
echo "== the Debian package: built, installed, wharf demo, removed (scripts/package-check.sh)"
# Refuses, and fails, where a Wharf that the package does not own is installed in /opt/cni/bin or /usr/bin.
ctest --test-dir build -L package --output-on-failure

echo "== sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWHARF_SANITIZE=ON -DWHARF_WERROR=ON -DWHARF_UNITY=OFF >/dev/null
ninja -C build-asan -j"$jobs"
echo "== unit and integration tests (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L 'unit|integration' --output-on-failure -j2

echo "== fuzz build (clang, libFuzzer)"
# Every parser of outside input under libFuzzer with ASan + UBSan, each target for a fixed 15 s over a
# copy of its seed corpus (fuzz/, docs/fuzzing.md); only the fuzz targets are built.
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWHARF_FUZZ=ON -DWHARF_WERROR=ON >/dev/null
ninja -C build-fuzz -j"$jobs" fuzz_targets
ctest --test-dir build-fuzz -L fuzz --output-on-failure
