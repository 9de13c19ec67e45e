#!/bin/sh
# ADD and DEL time of Wharf's host-local and the reference plugin at 1, 1,000 and 10,000 allocations.
# usage: bench/host_local_bench.sh [build dir] [rounds]   (reference: $REFERENCE or /usr/lib/cni/host-local)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-bench}
rounds=${2:-7}
reference=${REFERENCE:-/usr/lib/cni/host-local}
if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
fi
ninja -C "$build" host-local wharf-host-local-bench >/dev/null
echo "host-local ADD/DEL, median of $rounds calls, one process per call; data directory under /tmp"
"$build/bench/wharf-host-local-bench" "$build/bin/host-local" "$reference" "$rounds"
