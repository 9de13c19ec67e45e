#!/bin/sh
# firewall ADD and DEL time, Wharf's beside the reference (/usr/lib/cni/firewall, iptables backend,
# which execs iptables), with the same config and prevResult, interleaved in one run, inside a
# throwaway "host" network namespace whose iptables filter FORWARD policy is DROP (iptables-nft).
# Nothing on the real host changes. Prints the median of each.
# With BACKEND=firewalld both plugins use backend "firewalld" instead, against the tests' stand-in
# firewalld (tests/firewalld/standin.py --no-filter, python3-dbus) on a private dbus-daemon: the
# figures then include the stand-in's own answer time, the same for both (traced: one addSource
# answer took 17 ms of a Wharf ADD's 21 on a loaded machine; Wharf's own part is about 3 ms).
# usage: [BACKEND=firewalld] bench/firewall_bench.sh [build dir] [rounds]   (reference: $REFERENCE or /usr/lib/cni/firewall)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-bench}
rounds=${2:-21}
reference=${REFERENCE:-/usr/lib/cni/firewall}
. "$src/bench/lib.sh"
bench_prepare "$build" firewall
command -v iptables-nft >/dev/null || { echo "needs iptables (apt-get install iptables)" >&2; exit 1; }
[ -x "$reference" ] || { echo "needs the reference plugin (apt-get install containernetworking-plugins)" >&2; exit 1; }

host=wfwbench$$
ip netns add "$host"
tmp=$(mktemp -d /tmp/wfw-bench-XXXXXX)
backend=${BACKEND:-iptables}
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
    ip netns del "$host" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip netns exec "$host" iptables-nft -P FORWARD DROP
export WHARF_RUN_DIR="$tmp/run"
bus="unix:path=$tmp/no-bus"
if [ "$backend" = firewalld ]; then
    sed "s|@SOCKET@|$tmp/bus|" "$src/tests/firewalld/bus.conf.in" >"$tmp/bus.conf"
    dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile >"$tmp/bus.log" 2>&1 &
    pids="$!"
    bus="unix:path=$tmp/bus"
    while [ ! -S "$tmp/bus" ]; do sleep 0.05; done
    ip netns exec "$host" /usr/bin/python3 "$src/tests/firewalld/standin.py" "$bus" "$tmp/calls" --no-filter >"$tmp/fwd.log" 2>&1 &
    pids="$pids $!"
    until grep -q ready "$tmp/fwd.log" 2>/dev/null; do sleep 0.05; done
fi

# conf <n>: container n's config, 10.62.<n/250>.<n%250+2> behind a bridge named wfwbench0 (prevResult as
# the bridge plugin writes it). The reference stops at spec 1.0.0, so both get 1.0.0.
conf() {
    printf '{"cniVersion":"1.0.0","name":"wfwbench","type":"firewall","backend":"%s","prevResult":{"cniVersion":"1.0.0",' "$backend"
    printf '"interfaces":[{"name":"wfwbench0"},{"name":"vethbench"},{"name":"eth0","sandbox":"/run/netns/x"}],'
    printf '"ips":[{"address":"10.62.%d.%d/16","interface":2}]}}' $(($1 / 250)) $(($1 % 250 + 2))
}

# call <binary> <command> <n>: one plugin call in the host namespace; prints nanoseconds taken.
call() {
    conf "$3" >"$tmp/conf"
    t0=$(date +%s%N)
    if ! nsenter --net=/run/netns/"$host" env CNI_COMMAND="$2" CNI_CONTAINERID="bench$3" CNI_NETNS=/run/netns/"$host" \
        CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni PATH="$PATH" WHARF_RUN_DIR="$WHARF_RUN_DIR" DBUS_SYSTEM_BUS_ADDRESS="$bus" \
        "$1" <"$tmp/conf" >"$tmp/out" 2>"$tmp/err"; then
        echo "$1 $2 $3 failed: $(cat "$tmp/out" "$tmp/err")" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    echo $((t1 - t0))
}


: >"$tmp/wadd"; : >"$tmp/wdel"; : >"$tmp/radd"; : >"$tmp/rdel"
# Ten other containers are attached by each plugin first, so neither measures a first ADD.
for n in $(seq 1 10); do call "$build/bin/firewall" ADD "$n" >/dev/null; call "$reference" ADD $((n + 100)) >/dev/null; done
for _ in $(seq "$rounds"); do
    call "$build/bin/firewall" ADD 50 >>"$tmp/wadd"
    call "$reference" ADD 150 >>"$tmp/radd"
    call "$build/bin/firewall" DEL 50 >>"$tmp/wdel"
    call "$reference" DEL 150 >>"$tmp/rdel"
done
if ! ip netns exec "$host" iptables-nft-save >/dev/null 2>"$tmp/save"; then echo "iptables-nft-save failed: $(cat "$tmp/save")" >&2; exit 1; fi
echo "firewall ADD/DEL (backend $backend), median of $rounds calls each, interleaved, 10 other containers attached by each, one process per call (nsenter included)"
printf '%-10s ADD %8s ms   DEL %8s ms\n' wharf "$(median_ms <"$tmp/wadd")" "$(median_ms <"$tmp/wdel")"
printf '%-10s ADD %8s ms   DEL %8s ms\n' reference "$(median_ms <"$tmp/radd")" "$(median_ms <"$tmp/rdel")"
