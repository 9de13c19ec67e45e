#!/usr/bin/env bash
# The chain benchmark: conf-examples' chain (loopback, bridge with host-local, portmap) run through
# `wharf` with Wharf's plugins and with the reference plugins (/usr/lib/cni, when installed), in one
# interleaved run: median and p95 of ADD, CHECK and DEL, peak memory, the ratio to Wharf, the floor,
# ADD's growth from the 1st to the Nth container on one bridge, and a burst of ADDs at once.
# Usage (root): bench/chain_bench.sh [BUILD_DIR] [RUNS] [GROWTH] [BURST]
# Each implementation gets its own bridge, 10.23x.0.0/16 subnet and temp dirs; everything is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
runs=${2:-100}
growth=${3:-1000}
burst=${4:-50}
[ "$(id -u)" -eq 0 ] || { echo "chain_bench: needs root (network namespaces)" >&2; exit 5; }
ninja -C "$build" wharf wharfd wharf-chain-bench wharf-nop wharf-kernel-floor loopback >/dev/null

# The chain: the example's bridge and portmap, with loopback first (as a runtime's lo setup).
conf=$(mktemp /tmp/wharf-chain-conf.XXXXXX)
trap 'rm -f "$conf"' EXIT
python3 - "$conf" <<'PY' 2>/dev/null || jq '.cniVersion="1.0.0" | .plugins = [{"type":"loopback"}] + .plugins' conf-examples/10-wharf-bridge.conflist >"$conf"
import json, sys
d = json.load(open("conf-examples/10-wharf-bridge.conflist"))
d["cniVersion"] = "1.0.0"  # the newest version both implementations speak: no negotiation needed
d["plugins"] = [{"type": "loopback"}] + d["plugins"]
json.dump(d, open(sys.argv[1], "w"))
PY

impls=()
if [ -x "$build/bin/bridge" ] && [ -x "$build/bin/portmap" ] && [ -x "$build/bin/host-local" ]; then
  impls+=("wharf=$(pwd)/$build/bin")
  [ -x "$build/bin/wharfd" ] && impls+=("wharf+wharfd=$(pwd)/$build/bin")
else
  echo "(Wharf's bridge/portmap/host-local are not built yet in $build: measuring the reference only)"
fi
if [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/portmap ]; then
  if command -v iptables >/dev/null; then
    impls+=("reference=/usr/lib/cni")
  else
    echo "(iptables is not installed: the reference bridge ipMasq and portmap cannot run; skipping them)"
  fi
fi
[ ${#impls[@]} -gt 0 ] || { echo "chain_bench: no implementation to measure" >&2; exit 1; }
"$build/bench/wharf-chain-bench" --wharf "$build/bin/wharf" --nop "$build/bench/wharf-nop" --conf "$conf" \
  --kernel-floor "$build/bench/wharf-kernel-floor" \
  -n "$runs" --growth "$growth" --burst "$burst" "${impls[@]}"
