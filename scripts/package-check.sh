#!/usr/bin/env bash
# The Debian package, end to end, on this machine (root): builds it with `cpack -G DEB` from a release
# build directory, checks its contents, installs it with apt-get, runs `wharf demo` as a user would
# right after installing (no configuration, no CNI_PATH; its "host" is a throwaway network namespace),
# removes it with apt-get and checks that none of its files remain.
#
#   scripts/package-check.sh [BUILD_DIR]      (default: build; configured and built if needed)
#
# It refuses to run when a file the package would install is already there and is not the package's
# own (a developer's `cmake --install`, another CNI package such as kubernetes-cni): it never
# overwrites what it did not install. Debian's containernetworking-plugins (/usr/lib/cni) may be
# installed: the check verifies that its files are untouched. Each step prints "ok" or "FAIL"; the
# exit status is 0 only when every step passed.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$src/build}")
[ "$(id -u)" = 0 ] || { echo "package-check: needs root (apt-get install, network namespaces)" >&2; exit 2; }

plugins=(bridge host-local portmap firewall tuning loopback)
installed_paths=(/usr/bin/wharf)
for p in "${plugins[@]}"; do installed_paths+=("/opt/cni/bin/$p"); done
for f in "${installed_paths[@]}"; do
    [ -e "$f" ] || continue
    owner=$(dpkg -S "$f" 2>/dev/null | cut -d: -f1)
    if [ "$owner" != wharf ]; then
        echo "package-check: $f exists and is not the wharf package's (owner: ${owner:-none}); refusing to touch it." >&2
        echo "package-check: remove it first (or run this on a machine without Wharf installed)." >&2
        exit 2
    fi
done

. "$src/scripts/throwaway_host.sh"
passed=0 failed=0
tmp=$(mktemp -d /tmp/wharf-package-check-XXXXXX)
installed=0
cleanup() {
    [ "$installed" = 1 ] && DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq wharf >/dev/null 2>&1
    throwaway_host_remove
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
step() {  # step <name> <command...>
    local name=$1; shift
    if "$@" >"$tmp/step.out" 2>&1; then
        passed=$((passed + 1)); echo "ok    $name"
    else
        failed=$((failed + 1)); echo "FAIL  $name"; sed 's/^/      /' "$tmp/step.out" | tail -n 25
    fi
}

# 1. Build: a release build (the sanitizer build is not packaged), then the package.
if [ ! -f "$build/CPackConfig.cmake" ]; then
    grep -q 'WHARF_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null &&
        { echo "package-check: $build is a sanitizer build; give a release build directory" >&2; exit 2; }
    cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
fi
cmake --build "$build" >/dev/null || { echo "package-check: the build failed" >&2; exit 1; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
deb="$tmp/wharf_${version}_${arch}.deb"
build_deb() {
    (cd "$build" && cpack -G DEB -B "$tmp/cpack") || return 1
    [ -f "$tmp/cpack/wharf_${version}_${arch}.deb" ] || { ls "$tmp/cpack"; echo "no wharf_${version}_${arch}.deb"; return 1; }
    cp "$tmp/cpack/wharf_${version}_${arch}.deb" "$deb"
}
step "cpack -G DEB builds wharf_${version}_${arch}.deb" build_deb
[ -f "$deb" ] || { echo "$passed passed, $failed failed"; exit 1; }

# 2. What is inside.
contents() {
    dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|; s|/$||' | sort >"$tmp/contents"
    cat "$tmp/contents"
    for f in "${installed_paths[@]}" /usr/share/doc/wharf/examples/10-wharf-bridge.conflist \
             /usr/share/doc/wharf/examples/99-loopback.conf; do
        grep -qx "$f" "$tmp/contents" || { echo "missing: $f"; return 1; }
    done
    if grep -E '^/usr/lib/cni|^/usr/local' "$tmp/contents"; then echo "files outside the package's places"; return 1; fi
}
step "contents: plugins in /opt/cni/bin, wharf in /usr/bin, examples in /usr/share/doc/wharf; nothing in /usr/lib/cni" contents
control() {
    dpkg-deb -f "$deb" Package Version Architecture Section Maintainer Depends
    [ "$(dpkg-deb -f "$deb" Package)" = wharf ] && [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] &&
        [ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] && [ "$(dpkg-deb -f "$deb" Section)" = net ]
}
step "control: Package wharf, Version $version, Architecture $arch, Section net" control

# 3. Install beside Debian's reference plugins, if they are here: theirs stay as they were.
reference_ok() { ! dpkg-query -W containernetworking-plugins >/dev/null 2>&1 || dpkg -V containernetworking-plugins; }
step "containernetworking-plugins (if installed) verifies before" reference_ok
install_deb() {
    installed=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" || return 1
    for f in "${installed_paths[@]}"; do
        [ -x "$f" ] || { echo "not installed: $f"; return 1; }
        [ "$(dpkg -S "$f" | cut -d: -f1)" = wharf ] || { echo "not owned by wharf: $f"; return 1; }
    done
}
step "apt-get install ./wharf_${version}_${arch}.deb" install_deb
step "containernetworking-plugins (if installed) verifies after" reference_ok
version_answer() {
    local p out
    for p in "${plugins[@]}"; do
        out=$(CNI_COMMAND=VERSION /opt/cni/bin/"$p" </dev/null) || { echo "$p: $out"; return 1; }
        echo "$p: $out"
        grep -q '"supportedVersions"' <<<"$out" || return 1
    done
}
step "every plugin in /opt/cni/bin answers VERSION" version_answer

# 4. The demo, as right after installing: no configuration (an empty NETCONFPATH), no CNI_PATH, so it
# brings its own network and finds the plugins in /opt/cni/bin. Its "host" is a throwaway namespace.
demo() {
    throwaway_host_make wpkg$$ || return 1
    local out rc
    mkdir -p "$tmp/empty-conf"
    out=$(env -u CNI_PATH NETCONFPATH="$tmp/empty-conf" nsenter --net=/run/netns/"$throwaway_host" /usr/bin/wharf demo 2>&1); rc=$?
    echo "$out"
    [ "$rc" = 0 ] || { echo "wharf demo exited $rc"; return 1; }
    grep -q "using the demo's own" <<<"$out" || { echo "the demo did not use its own network"; return 1; }
    grep -q "plugins from .*/opt/cni/bin" <<<"$out" || { echo "the demo did not look in /opt/cni/bin"; return 1; }
    grep -q "demo: all 5 checks passed" <<<"$out" || return 1
    # Only what this demo made is looked at: other processes may be making namespaces meanwhile.
    local pid
    pid=$(grep -o '^\[1/5\] sandbox web-[0-9]*' <<<"$out" | grep -o '[0-9]*$')
    [ -n "$pid" ] || { echo "no sandbox name in the demo's output"; return 1; }
    for ns in web-$pid client-$pid world-$pid; do
        [ ! -e /run/netns/$ns ] || { echo "namespace left: $ns"; return 1; }
    done
    [ -z "$(ip -n "$throwaway_host" -br link | grep -v '^lo ')" ] || { ip -n "$throwaway_host" -br link; echo "links left"; return 1; }
    [ -z "$(ip netns exec "$throwaway_host" nft list tables)" ] || { echo "nftables tables left"; return 1; }
    # The plugins keep a lock and their (now empty) records of who uses the host's shared nftables
    # pieces in /run/wharf/<plugin>/<host netns inode>/ (docs/bridge.md), as on a real host: for the
    # throwaway host, nothing may still be recorded in them. (Only its tree is looked at: other
    # processes on this machine may be using /run/wharf meanwhile.)
    local in_use
    in_use=$(find /run/wharf/*/"$throwaway_host_ino"/attachments /run/wharf/*/"$throwaway_host_ino"/users /run/wharf/*/"$throwaway_host_ino"/published /run/wharf/sysctls/"$throwaway_host_ino" -mindepth 1 2>/dev/null)
    [ -z "$in_use" ] || { echo "$in_use"; echo "attachments still recorded in /run/wharf"; return 1; }
    grep -q "removed: .*temporary files" <<<"$out" || { echo "the demo did not remove its temporary files"; return 1; }
}
step "wharf demo (installed, unconfigured) passes and leaves nothing" demo
throwaway_host_remove

# 5. Remove: no file of the package remains, the reference plugins are untouched.
remove_deb() {
    dpkg -L wharf | sort >"$tmp/owned"
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq wharf || return 1
    installed=0
    dpkg-query -W -f='${Status}\n' wharf 2>/dev/null | grep -q "install ok installed" && { echo "still installed"; return 1; }
    local left=0
    while read -r f; do
        [ -f "$f" ] && { echo "left behind: $f"; left=1; }
    done <"$tmp/owned"
    return $left
}
step "apt-get remove wharf leaves none of its files" remove_deb
step "containernetworking-plugins (if installed) verifies after removal" reference_ok

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
