#!/bin/sh
# tuning ADD and DEL time, Wharf's beside the reference (/usr/lib/cni/tuning), same configs, calls
# interleaved in one run: Podman's tuning (no keys, MAC= in CNI_ARGS) and a config with every key the
# reference 1.1.1 knows (sysctl, mac, mtu, promisc, allmulti). The interface is a veth in a throwaway
# namespace; the dataDirs are on a private tmpfs, as /run (the default dataDir's home) is on most hosts,
# in a mount namespace of the script's own (TMPFS=0: on the disk holding /tmp, where fsync costs
# milliseconds); nothing on the real host changes.
# usage: bench/tuning_bench.sh [build dir] [rounds]   (reference: $REFERENCE or /usr/lib/cni/tuning)
set -eu
if [ "${TMPFS:-1}" = 1 ] && [ -z "${WTUN_BENCH_MOUNTNS:-}" ]; then
    exec unshare --mount --propagation private env WTUN_BENCH_MOUNTNS=1 sh "$0" "$@"
fi
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-bench}
rounds=${2:-200}
reference=${REFERENCE:-/usr/lib/cni/tuning}
. "$src/bench/lib.sh"
bench_prepare "$build" tuning
[ -x "$reference" ] || { echo "no reference tuning at $reference (apt-get install containernetworking-plugins)" >&2; exit 1; }

ns=wtunb$$
ip netns add "$ns"
tmp=$(mktemp -d /tmp/wtun-bench-XXXXXX)
cleanup() {
    ip netns del "$ns" 2>/dev/null || true
    [ -n "${WTUN_BENCH_MOUNTNS:-}" ] && umount "$tmp" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
[ -n "${WTUN_BENCH_MOUNTNS:-}" ] && mount -t tmpfs -o size=16m,mode=0700 wtun-bench "$tmp"
ip -n "$ns" link add eth0 type veth peer name wtunbpeer
ip -n "$ns" link set eth0 up

# conf <keys> <dataDir>: a 1.0.0 config (the reference's newest) with <keys> and a prevResult.
conf() {
    printf '{"cniVersion":"1.0.0","name":"bench","type":"tuning","dataDir":"%s"%s,' "$2" "$1"
    printf '"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/run/netns/%s"}],' "$ns"
    printf '"ips":[{"address":"10.61.0.2/24","interface":0}]}}'
}
conf '' "$tmp/data-wharf" >"$tmp/podman-wharf"
conf '' "$tmp/data-reference" >"$tmp/podman-reference"
every=',"mac":"02:61:00:00:00:01","mtu":1400,"promisc":true,"allmulti":true,"sysctl":{"net.ipv4.conf.IFNAME.arp_notify":"1"}'
conf "$every" "$tmp/data-wharf" >"$tmp/every-wharf"
conf "$every" "$tmp/data-reference" >"$tmp/every-reference"

# call <binary> <command> <conf file> <args>: one plugin call; prints nanoseconds taken.
call() {
    t0=$(date +%s%N)
    if ! env CNI_COMMAND="$2" CNI_CONTAINERID=bench CNI_NETNS=/run/netns/"$ns" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
        CNI_ARGS="$4" "$1" <"$3" >"$tmp/out" 2>"$tmp/err"; then
        echo "$1 $2 failed: $(cat "$tmp/out" "$tmp/err")" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    echo $((t1 - t0))
}


# measure <label> <conf name> <args>: Wharf's and the reference's ADD and DEL, interleaved.
measure() {
    for who in wharf reference; do : >"$tmp/$who-add"; : >"$tmp/$who-del"; done
    for _ in $(seq "$rounds"); do
        for who in wharf reference; do
            bin=$build/bin/tuning
            [ "$who" = reference ] && bin=$reference
            call "$bin" ADD "$tmp/$2-$who" "$3" >>"$tmp/$who-add"
            call "$bin" DEL "$tmp/$2-$who" "$3" >>"$tmp/$who-del"
        done
    done
    for who in wharf reference; do
        printf '%-28s %-10s ADD %7s ms   DEL %7s ms\n' "$1" "$who" "$(median_ms 3 <"$tmp/$who-add")" \
            "$(median_ms 3 <"$tmp/$who-del")"
    done
}

where=tmpfs
[ -z "${WTUN_BENCH_MOUNTNS:-}" ] && where=$(df -T "$tmp" | awk 'NR==2 {print $2}')
echo "tuning ADD/DEL, median of $rounds calls each, one process per call, interleaved, dataDirs on $where" \
    "($(nproc) cores, $(uname -r))"
measure "Podman's (no keys, MAC=)" podman "IgnoreUnknown=1;MAC=02:61:00:00:00:02"
measure "every key" every ""
