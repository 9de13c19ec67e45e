#!/usr/bin/env bash
# Start-up cost of a plugin: Wharf's loopback, firewall and tuning answering VERSION, beside the floor (a
# statically linked program that does nothing), the same loopback linked to Debian's libmnl.so instead
# of common/mnl (what linking the real libmnl would cost), and the reference loopback and tuning
# (/usr/lib/cni, when installed), in one interleaved run. Usage: bench/startup.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-2000}
args=("floor (static no-op)=$build/bench/wharf-nop" "wharf loopback VERSION=$build/bin/loopback"
      "wharf loopback, libmnl.so=$build/bench/wharf-loopback-shared-libmnl"
      "wharf firewall VERSION=$build/bin/firewall" "wharf tuning VERSION=$build/bin/tuning")
[ -x /usr/lib/cni/loopback ] && args+=("reference loopback VERSION=/usr/lib/cni/loopback")
[ -x /usr/lib/cni/tuning ] && args+=("reference tuning VERSION=/usr/lib/cni/tuning")
echo "machine: $(nproc) cores, $(uname -r); $runs runs each, interleaved"
"$build/bench/wharf-spawn-bench" -n "$runs" -e CNI_COMMAND=VERSION "${args[@]}"
