#!/usr/bin/env bash
# Builds Wharf and runs every test: unit and integration tests on the release (static) build, then the
# unit and integration tests again under AddressSanitizer + UndefinedBehaviorSanitizer (dynamic build,
# real libmnl.so). Integration tests need root: they build throwaway network namespaces.
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

echo "== sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWHARF_SANITIZE=ON -DWHARF_WERROR=ON -DWHARF_UNITY=OFF >/dev/null
ninja -C build-asan -j"$jobs"
echo "== unit and integration tests (ASan + UBSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L 'unit|integration' --output-on-failure -j2
