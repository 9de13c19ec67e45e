#!/usr/bin/env bash
# Podman 4.3's CNI backend (Debian 12) on a directory holding only Wharf's plugins, inside a throwaway
# network namespace standing for the host: nothing touches the machine's own network namespace, and
# Podman's storage, configuration and networks are private to this run.
#
#   tests/podman/run.sh [BUILD_DIR]       (root; installs podman and busybox-static from Debian)
#
# The plugin directory holds Wharf's bridge, host-local, portmap, firewall, tuning and loopback;
# FIREWALL=PATH puts another firewall plugin there instead (e.g. the reference's, /usr/lib/cni/firewall).
# Each step prints "ok" or "FAIL"; the last line is "N passed, N failed".
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
firewall=${FIREWALL:-$build/bin/firewall}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
command -v podman >/dev/null && command -v busybox >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y podman busybox-static >/dev/null
for p in bridge host-local portmap firewall tuning loopback; do
    [ -x "$build/bin/$p" ] || { echo "build $p first (ninja -C $build $p)" >&2; exit 2; }
done

host=wtunpod$$
# libcni keeps Podman's results under /var/lib/cni/results: removed at the end if this run made it.
made_cni_cache=0
host_ino=
wharf_run_before=$(ls -A /run/wharf 2>/dev/null; ls -A /run/wharf/bridge /run/wharf/firewall /run/wharf/portmap /run/wharf/sysctls 2>/dev/null)
[ -e /var/lib/cni ] || made_cni_cache=1
tmp=$(mktemp -d /tmp/wtun-podman-XXXXXX)
passed=0 failed=0
step() {  # step <name> <command...>: runs a check, counts it
    local name=$1; shift
    if "$@" >"$tmp/step.out" 2>&1; then
        passed=$((passed + 1)); echo "ok    $name"
    else
        failed=$((failed + 1)); echo "FAIL  $name"; sed 's/^/      /' "$tmp/step.out" | tail -n 15
    fi
}
# Podman runs in the host namespace through nsenter --net, not ip netns exec: the latter mounts a
# fresh /sys, which hides the cgroup file systems runc needs.
# The plugins keep their state in /run/wharf/<plugin>/<host netns inode>/, as on a real host: Podman's
# cleanup process (conmon's exit command, for --rm and stopped containers) runs the plugins' DEL
# without this script's environment, so a private WHARF_RUN_DIR would hide the state from it.
P() { nsenter --net=/run/netns/"$host" env CONTAINERS_CONF="$tmp/containers.conf" \
      CONTAINERS_STORAGE_CONF="$tmp/storage.conf" podman "$@"; }
# mknet <name> <subnet> [opts...]: podman network create, then host-local's and tuning's dataDirs
# pointed into this run's directory (Podman writes the defaults under /var/lib/cni and /run/cni).
mknet() {
    local name=$1 subnet=$2; shift 2
    P network create "$@" --subnet "$subnet" "$name" >/dev/null || return 1
    local f=$tmp/net.d/$name.conflist
    jq --arg ipam "$tmp/ipam" --arg tuning "$tmp/tuning" \
        '.plugins |= map(if .type == "bridge" then .ipam.dataDir = $ipam elif .type == "tuning" then .dataDir = $tuning else . end)' \
        "$f" >"$f.new" && mv "$f.new" "$f"
}
H() { ip netns exec "$host" "$@"; }
cleanup() {
    P rm -af -t 0 >/dev/null 2>&1
    P network prune -f >/dev/null 2>&1
    P system reset -f >/dev/null 2>&1
    [ -n "$host_ino" ] && rm -rf /run/wharf/bridge/"$host_ino" /run/wharf/firewall/"$host_ino" /run/wharf/portmap/"$host_ino" /run/wharf/sysctls/"$host_ino"
    ip netns del "$host" 2>/dev/null
    [ "$made_cni_cache" = 1 ] && find /var/lib/cni -depth -type d -empty -delete 2>/dev/null
    rm -rf "$tmp" 2>/dev/null || { umount -R "$tmp"/* 2>/dev/null; rm -rf "$tmp"; }
}
trap cleanup EXIT INT TERM

# The plugin directory: Wharf's plugins only (and the firewall until Wharf has its own).
mkdir -p "$tmp/cni-bin" "$tmp/net.d" "$tmp/root" "$tmp/runroot" "$tmp/rootfs/bin"
for p in bridge host-local portmap tuning loopback; do cp "$build/bin/$p" "$tmp/cni-bin/"; done
[ -x "$tmp/cni-bin/firewall" ] || cp "$firewall" "$tmp/cni-bin/firewall"
cat >"$tmp/containers.conf" <<CONF
[network]
network_backend = "cni"
cni_plugin_dirs = ["$tmp/cni-bin"]
network_config_dir = "$tmp/net.d"
default_network = "wtun-default"
default_subnet = "10.61.0.0/24"
[containers]
# Podman raises nofile and nproc above the hard limits a sandboxed machine may have.
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$tmp/events.log"
tmp_dir = "$tmp/libpod-tmp"
CONF
cat >"$tmp/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$tmp/root"
runroot = "$tmp/runroot"
CONF

ip netns add "$host"
host_ino=$(stat -L -c %i /run/netns/"$host")
H ip link set lo up
H sysctl -qw net.ipv4.ip_forward=1

# A tiny image: busybox-static and its applets.
cp "$(command -v busybox)" "$tmp/rootfs/bin/busybox"
for a in $("$tmp/rootfs/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$tmp/rootfs/bin/$a"; done
tar -C "$tmp/rootfs" -c . | P import --change 'CMD ["/bin/sh"]' - localhost/wtun-busybox >/dev/null

echo "podman $(P --version | awk '{print $3}'), CNI plugins from $tmp/cni-bin: $(ls "$tmp/cni-bin" | tr '\n' ' ')"
img=localhost/wtun-busybox
step "network create wtun1 (10.61.1.0/24)" mknet wtun1 10.61.1.0/24
step "network create wtun2 (10.61.2.0/24)" mknet wtun2 10.61.2.0/24
step "chain is bridge portmap firewall tuning" \
    sh -c "jq -r '[.plugins[].type]|join(\" \")' $tmp/net.d/wtun1.conflist | grep -qx 'bridge portmap firewall tuning'"
step "run -d -p 18080:8080 (httpd)" P run -d --name web --network wtun1 -p 18080:8080 $img httpd -f -p 8080 -h /bin
step "exec in the container" P exec web sh -c 'ip addr show eth0 | grep -q "inet 10.61.1."'
step "published port from the host" H sh -c "sleep 0.5; $tmp/rootfs/bin/busybox wget -q -O /dev/null http://127.0.0.1:18080/busybox"
step "run a second container" P run -d --name peer --network wtun1 $img sleep 600
webip=$(P inspect -f '{{(index .NetworkSettings.Networks "wtun1").IPAddress}}' web 2>/dev/null)
step "ping between containers ($webip)" P exec peer ping -c 1 -W 2 "$webip"
step "network connect peer wtun2" P network connect wtun2 peer
step "peer has eth1 in 10.61.2." P exec peer sh -c 'ip addr show eth1 | grep -q "inet 10.61.2."'
step "network disconnect peer wtun2" P network disconnect wtun2 peer
eth1_gone() { P exec peer true && ! P exec peer ip link show eth1; }
step "eth1 gone (peer still running)" eth1_gone
mac_set() { P run --rm --network wtun1 --mac-address 02:61:00:00:00:42 $img cat /sys/class/net/eth0/address | grep -qx 02:61:00:00:00:42; }
step "--mac-address" mac_set
only_lo() { P run --rm --network none $img ls /sys/class/net | tr '\n' ' ' | grep -qx 'lo '; }
step "--network none" only_lo
step "--network host" P run --rm --network host $img true
joined() { P run --rm --network container:web $img ip addr show eth0 | grep -q "inet $webip/"; }
step "--network container:web" joined
step "network create --opt isolate=true iso1" mknet iso1 10.61.3.0/24 --opt isolate=true
step "network create --opt isolate=true iso2" mknet iso2 10.61.4.0/24 --opt isolate=true
step "run a1 on iso1" P run -d --name a1 --network iso1 $img sleep 600
step "run b1 on iso1" P run -d --name b1 --network iso1 $img sleep 600
step "run a2 on iso2" P run -d --name a2 --network iso2 $img sleep 600
b1ip=$(P inspect -f '{{(index .NetworkSettings.Networks "iso1").IPAddress}}' b1 2>/dev/null)
a2ip=$(P inspect -f '{{(index .NetworkSettings.Networks "iso2").IPAddress}}' a2 2>/dev/null)
step "isolate: within iso1 flows ($b1ip)" P exec a1 ping -c 1 -W 2 "$b1ip"
dropped() { [ -n "$a2ip" ] && P exec a1 true && ! P exec a1 ping -c 1 -W 2 "$a2ip"; }
step "isolate: iso1 to iso2 is dropped ($a2ip)" dropped
step "run c2 on wtun2" P run -d --name c2 --network wtun2 $img sleep 600
c2ip=$(P inspect -f '{{(index .NetworkSettings.Networks "wtun2").IPAddress}}' c2 2>/dev/null)
step "without isolate: wtun1 to wtun2 flows ($c2ip)" P exec web ping -c 1 -W 2 "$c2ip"
step "stop web" P stop -t 0 web
step "start web" P start web
step "published port after start" H sh -c "sleep 0.5; $tmp/rootfs/bin/busybox wget -q -O /dev/null http://127.0.0.1:18080/busybox"
step "rm -f every container" P rm -f -t 0 web peer a1 b1 a2 c2
step "networks removed" P network rm wtun1 wtun2 iso1 iso2
step "nothing left: no container netns" sh -c "! ls /run/netns | grep -q '^netns-'"
step "nothing left: no veth, no bridge in the host namespace" sh -c "! ip netns exec $host ip -o link | grep -Eq 'veth|cni-podman'"
no_nft_names() {  # prints what it finds
    ! ip netns exec "$host" nft list ruleset | grep -E '10\.61\.|cni-podman|wtun|iso[12]'
}
step "nothing left: nftables names no network, subnet or bridge" no_nft_names
step "nothing left: no attachment recorded by the bridge, the firewall or portmap" \
    sh -c "! find /run/wharf/bridge/$host_ino /run/wharf/firewall/$host_ino -path '*/attachments/*' 2>/dev/null | grep . &&
        ! find /run/wharf/portmap/$host_ino -path '*/published/*' 2>/dev/null | grep . &&
        ! find /run/wharf/sysctls/$host_ino -type f 2>/dev/null | grep ."
# This host's state directories go with the host; what remains must be as before the run.
rm -rf /run/wharf/bridge/"$host_ino" /run/wharf/firewall/"$host_ino" /run/wharf/portmap/"$host_ino" /run/wharf/sysctls/"$host_ino"
rmdir /run/wharf/bridge /run/wharf/firewall /run/wharf/portmap /run/wharf/sysctls /run/wharf 2>/dev/null
step "nothing left: no plugin state outside this run's host" \
    test "$(ls -A /run/wharf 2>/dev/null; ls -A /run/wharf/bridge /run/wharf/firewall /run/wharf/portmap /run/wharf/sysctls 2>/dev/null)" = "$wharf_run_before"
step "nothing left: tuning's records, host-local's reservations" \
    sh -c "! ls -A $tmp/tuning 2>/dev/null | grep -q . && ! ls $tmp/ipam/* 2>/dev/null | grep -q '^10\\.'"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
