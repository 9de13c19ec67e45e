#!/usr/bin/env bash
# The README's main job: builds Wharf, installs the plugins and the `wharf` tool into a private
# directory, and shows real container networking on this machine with them (`wharf demo`). Leaves the
# machine as it found it, also on Ctrl-C: `wharf demo` removes everything it made before exiting.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build >/dev/null
root="$(pwd)/build/demo-root"
DESTDIR="$root" cmake --install build >/dev/null
prefix="$root/opt/cni/bin"
echo "plugins installed in $prefix: $(ls "$prefix" | tr '\n' ' ')"

wharf="$root/usr/local/bin/wharf"
# wharf demo handles SIGINT/SIGTERM itself: it removes everything it made, then exits 130.
CNI_PATH="$prefix" exec "$wharf" demo --conf-dir "$(pwd)/conf-examples"
