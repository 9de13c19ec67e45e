#!/usr/bin/env bash
# Makes docs/topology.dot and docs/topology.svg, the README's picture, from a real network: the
# conf-examples network `wharf` (bridge wharf0, 10.77.0.0/16, portmap) with two sandboxes, `web`
# publishing port 8080 -> 80, and `client`; then `wharf net inspect wharf --dot`, rendered by Graphviz.
# The "host" is a throwaway network namespace and wharf's configuration, result cache, sandbox records
# and IPAM store are in a temporary directory: everything is removed at the end, also on Ctrl-C.
#
#   docs/topology.sh [BUILD_DIR]     (root; default build; needs `dot`: apt-get install graphviz)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$src/build}")
[ "$(id -u)" = 0 ] || { echo "topology.sh: needs root (network namespaces)" >&2; exit 2; }
command -v dot >/dev/null || { echo "topology.sh: needs Graphviz's dot: apt-get install graphviz" >&2; exit 2; }
command -v jq >/dev/null || { echo "topology.sh: needs jq: apt-get install jq" >&2; exit 2; }
for b in wharf bridge host-local portmap; do
    [ -x "$build/bin/$b" ] || { echo "topology.sh: build $b first (ninja -C $build $b)" >&2; exit 2; }
done
for sb in web client; do
    [ ! -e /run/netns/$sb ] || { echo "topology.sh: /run/netns/$sb exists; the picture's sandboxes need the names" >&2; exit 2; }
done

. "$src/scripts/throwaway_host.sh"
host=wtopo$$
tmp=$(mktemp -d /tmp/wharf-topology-XXXXXX)
cleanup() {
    set +e
    [ -n "$throwaway_host" ] && for sb in web client; do W sandbox rm --force $sb >/dev/null 2>&1; done
    throwaway_host_remove
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# wharf inside the throwaway host namespace, with private state.
W() {
    NETCONFPATH="$tmp/conf" WHARF_CACHE_DIR="$tmp/cache" WHARF_STATE_DIR="$tmp/state" CNI_PATH="$build/bin" \
        nsenter --net=/run/netns/"$host" "$build/bin/wharf" "$@"
}

throwaway_host_make "$host"
mkdir -p "$tmp/conf"
jq --arg ipam "$tmp/ipam" '.plugins |= map(if .ipam then .ipam.dataDir = $ipam else . end)' \
    "$src/conf-examples/10-wharf-bridge.conflist" >"$tmp/conf/10-wharf-bridge.conflist"

W run web --net wharf -p 8080:80 >/dev/null
W run client --net wharf >/dev/null
W net inspect wharf --dot >"$src/docs/topology.dot"
dot -Tsvg "$src/docs/topology.dot" >"$src/docs/topology.svg"
echo "wrote docs/topology.dot and docs/topology.svg"
