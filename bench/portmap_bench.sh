#!/bin/sh
# portmap ADD and DEL time, Wharf's without and with wharfd (which lends the plugin its netfilter
# socket, so its exit waits for no RCU grace period) beside the reference (/usr/lib/cni/portmap,
# iptables backend), with the same config, in the same run: with no other published port, and with
# 999 others (the 1,000th).
# Everything happens inside a throwaway "host" network namespace; nothing on the real host changes.
# usage: bench/portmap_bench.sh [build dir] [rounds]   (reference: $REFERENCE or /usr/lib/cni/portmap;
#        FILL=999 sets how many other ports are published for the second figure)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-bench}
rounds=${2:-7}
fill=${FILL:-999}
reference=${REFERENCE:-/usr/lib/cni/portmap}
. "$src/bench/lib.sh"
bench_prepare "$build" portmap wharfd
command -v iptables >/dev/null || { echo "the reference portmap needs iptables (apt-get install iptables)" >&2; exit 1; }

host=wpmb$$
ip netns add "$host"
tmp=$(mktemp -d /tmp/wharf-portmap-bench-XXXXXX)
agent=
cleanup() {
    [ -n "$agent" ] && { kill "$agent" 2>/dev/null; wait "$agent" 2>/dev/null; }
    ip netns del "$host" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
# portmap's records of what each attachment published go with the bench, not into /run/wharf; the
# runs with wharfd use a run directory of their own, where the agent listens.
run_dir="$tmp/run"
# The container addresses are routed through a veth, as they would be through a bridge.
ip -n "$host" link add wbench0 type veth peer name wbench1
ip -n "$host" link set wbench1 up
ip -n "$host" addr add 10.99.0.1/16 dev wbench0
ip -n "$host" link set wbench0 up
ip -n "$host" link set lo up

# conf <n>: the config for container n: 10.99.<n/250>.<n%250+2>, host port 10000+n -> 80.
conf() {
    n=$1
    printf '{"cniVersion":"1.0.0","name":"bench","type":"portmap","capabilities":{"portMappings":true},"snat":true,'
    printf '"runtimeConfig":{"portMappings":[{"hostPort":%d,"containerPort":80,"protocol":"tcp"}]},' $((10000 + n))
    printf '"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/x"}],'
    printf '"ips":[{"address":"10.99.%d.%d/16","interface":0}]}}' $((1 + n / 250)) $((n % 250 + 2))
}

# call <binary> <command> <n>: runs one plugin call in the host namespace; prints nanoseconds taken.
call() {
    conf "$3" >"$tmp/conf"
    t0=$(date +%s%N)
    if ! nsenter --net=/run/netns/"$host" env WHARF_RUN_DIR="$run_dir" CNI_COMMAND="$2" CNI_CONTAINERID="bench$3" CNI_NETNS=/run/netns/"$host" \
        CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$1" <"$tmp/conf" >"$tmp/out" 2>"$tmp/err"; then
        echo "$1 $2 $3 failed: $(cat "$tmp/out" "$tmp/err")" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    echo $((t1 - t0))
}


# measure <binary> <label> <others>: median ADD and DEL of one more container with <others> published.
measure() {
    : >"$tmp/add"; : >"$tmp/del"
    probe=$((fill + 1))
    for _ in $(seq "$rounds"); do
        call "$1" ADD "$probe" >>"$tmp/add"
        call "$1" DEL "$probe" >>"$tmp/del"
    done
    printf '%-13s %5d other ports   ADD %8s ms   DEL %8s ms\n' "$2" "$3" "$(median_ms <"$tmp/add")" "$(median_ms <"$tmp/del")"
}

run() {
    bin=$1 label=$2
    measure "$bin" "$label" 0
    f0=$(date +%s%N)
    for n in $(seq 1 "$fill"); do call "$bin" ADD "$n" >/dev/null; done
    f1=$(date +%s%N)
    measure "$bin" "$label" "$fill"
    printf '%-13s publishing the %d others took %.1f s (%.2f ms per ADD)\n' "$label" "$fill" \
        "$(echo "($f1 - $f0) / 1000000000" | bc -l)" "$(echo "($f1 - $f0) / 1000000 / $fill" | bc -l)"
    for n in $(seq 1 "$fill"); do call "$bin" DEL "$n" >/dev/null; done
}

echo "portmap ADD/DEL, median of $rounds calls, one process per call (entering the namespace with nsenter included in both)"
run "$build/bin/portmap" wharf
run_dir="$tmp/run-agent"
mkdir -p "$run_dir"
WHARF_RUN_DIR="$run_dir" nsenter --net=/run/netns/"$host" "$build/bin/wharfd" 2>"$tmp/wharfd.log" &
agent=$!
for _ in $(seq 100); do [ -S "$run_dir/wharfd.sock" ] && break; sleep 0.05; done
[ -S "$run_dir/wharfd.sock" ] || { echo "wharfd did not start: $(cat "$tmp/wharfd.log")" >&2; exit 1; }
run "$build/bin/portmap" wharf+wharfd
kill "$agent"; wait "$agent" 2>/dev/null; agent=
run_dir="$tmp/run"
ip netns exec "$host" nft list table inet wharf_portmap >/dev/null 2>&1 && \
    echo "wharf: after DEL of every container: $(ip netns exec "$host" nft -j list map inet wharf_portmap ports4 | grep -o '"elem"' | wc -l) map(s) with elements left"
run "$reference" reference
