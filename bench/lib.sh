# Shared by the per-plugin benchmark scripts (sourced, not run): they set `src` to the tree first.

# bench_prepare BUILD_DIR TARGET...: a release build in BUILD_DIR (configured on first use, without
# tests), with TARGET... built in it.
bench_prepare() {
    local build=$1
    shift
    if [ ! -f "$build/build.ninja" ]; then
        cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
    fi
    ninja -C "$build" "$@" >/dev/null
}

# median_ms [DECIMALS]: the median of the nanosecond figures on stdin, in milliseconds (default 2 decimals).
median_ms() {
    sort -n | awk -v fmt="%.${1:-2}f" '{v[NR] = $1} END {printf fmt, v[int((NR + 1) / 2)] / 1e6}'
}
