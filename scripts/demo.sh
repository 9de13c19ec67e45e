#!/usr/bin/env bash
# The README's main job: builds Wharf, installs the plugins and the `wharf` tool into a private
# directory, and shows real container networking on this machine with them (`wharf demo`). Leaves the
# machine as it found it, also on Ctrl-C: `wharf demo` removes everything it made before exiting.
# While the bridge or portmap plugin is not in the tree yet, it shows the loopback plugin instead.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build >/dev/null
root="$(pwd)/build/demo-root"
DESTDIR="$root" cmake --install build >/dev/null
prefix="$root/opt/cni/bin"
echo "plugins installed in $prefix: $(ls "$prefix" | tr '\n' ' ')"

wharf="$root/usr/local/bin/wharf"
if [ -x "$wharf" ] && [ -x "$prefix/bridge" ] && [ -x "$prefix/portmap" ] && [ -x "$prefix/host-local" ]; then
  # wharf demo handles SIGINT/SIGTERM itself: it cleans up, then exits 130.
  CNI_PATH="$prefix" exec "$wharf" demo --conf-dir "$(pwd)/conf-examples"
fi

echo "(the bridge and portmap plugins are not built yet: showing the loopback plugin)"
ns="wharf-demo-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

ip netns add "$ns"
conf='{"cniVersion":"1.1.0","name":"demo-lo","type":"loopback"}'
run() { # run COMMAND: one plugin call exactly as a runtime makes it
  CNI_COMMAND=$1 CNI_CONTAINERID=demo-$$ CNI_NETNS=/run/netns/$ns CNI_IFNAME=lo CNI_PATH="$prefix" \
    "$prefix/loopback" <<<"$conf"
}
echo "== before ADD: lo in the sandbox is $(ip -n "$ns" -br link show lo | awk '{print $2}')"
echo "== loopback ADD result:"; run ADD
echo "== after ADD: lo is $(ip -n "$ns" -br link show lo | awk '{print $2}')"
ip netns exec "$ns" ping -c1 -W1 127.0.0.1 >/dev/null && echo "== ping 127.0.0.1 inside the sandbox: ok"
run CHECK && echo "== CHECK: ok"
run DEL && echo "== DEL: ok; lo is $(ip -n "$ns" -br link show lo | awk '{print $2}')"
echo "demo: loopback networking worked end to end"
