#!/usr/bin/env bash
# Builds a fresh tree with every standard build type (Debug, Release, RelWithDebInfo, MinSizeRel) under
# GCC and under Clang from Debian 12, warnings as errors, each in build-types/<compiler>-<type>: what a
# packager or a user picking another type or compiler would build. Nothing is run. Takes long (eight
# full builds); pass build types and/or compilers to narrow it: scripts/build-types.sh Release clang
set -euo pipefail
cd "$(dirname "$0")/.."

types=() compilers=()
for a in "$@"; do
  case $a in
    Debug|Release|RelWithDebInfo|MinSizeRel) types+=("$a") ;;
    gcc|clang) compilers+=("$a") ;;
    *) echo "build-types: unknown argument '$a' (a build type, gcc or clang)" >&2; exit 2 ;;
  esac
done
[ ${#types[@]} -gt 0 ] || types=(Debug Release RelWithDebInfo MinSizeRel)
[ ${#compilers[@]} -gt 0 ] || compilers=(gcc clang)

mkdir -p build-types
failed=()
for compiler in "${compilers[@]}"; do
  case $compiler in
    gcc) cc=gcc cxx=g++ ;;
    clang) cc=clang cxx=clang++ ;;
  esac
  command -v "$cxx" >/dev/null || { echo "build-types: $cxx is not installed (scripts/install-deps.sh)" >&2; exit 1; }
  for type in "${types[@]}"; do
    dir=build-types/$compiler-$type
    echo "== $compiler $type ($dir)"
    start=$(date +%s)
    if cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" -DCMAKE_C_COMPILER="$cc" \
         -DCMAKE_CXX_COMPILER="$cxx" -DWHARF_WERROR=ON >"$dir.log" 2>&1 &&
       ninja -C "$dir" all header_check >>"$dir.log" 2>&1; then
      echo "   built in $(( $(date +%s) - start )) s"
    else
      echo "   FAILED (log: $dir.log):"
      grep -m 10 -E "error|warning" "$dir.log" | sed 's/^/   /'
      failed+=("$compiler-$type")
    fi
  done
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "build-types: failed: ${failed[*]}"
  exit 1
fi
echo "build-types: all built"
