#!/usr/bin/env bash
# Installs every Debian package Wharf needs to build, test, benchmark and run its demo.
# Idempotent; for a fresh Debian 12 as root (uses sudo when not root).
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config
  # the Debian package (cpack -G DEB, scripts/package-check.sh): dpkg-shlibdeps computes Depends, file finds ELF files
  dpkg-dev file
  # the fuzz build (fuzz/, docs/fuzzing.md, scripts/test.sh): clang and its libFuzzer and sanitizer runtimes
  clang libclang-rt-14-dev
  # libraries (see README: Dependencies)
  libmnl-dev libnftnl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev doctest-dev nettle-dev
  # wharfd's Kubernetes mode (agent/kube/): HTTPS to the API server, and kubeconfig files (YAML)
  libcurl4-openssl-dev libyaml-cpp-dev
  # tests and demo: namespaces and independent observers of the kernel's state, traffic tools
  iproute2 nftables iputils-ping socat conntrack
  # the reference plugins, for compatibility tests and side-by-side benchmarks (/usr/lib/cni)
  containernetworking-plugins
  # the reference portmap (v1.1.1) programs iptables; bench/portmap_bench.sh runs it
  iptables
  # tests only (integration_containerd_cri): containerd's CRI plugin and runc run Wharf's plugins as
  # Kubernetes does; the test's CRI client is gRPC (tests/cri). No plugin links gRPC or protobuf.
  containerd runc libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  # tests only (integration_podman, tests/podman/run.sh): Podman 4.3's CNI backend runs its scenario on
  # Wharf's plugins alone, in containers made from busybox-static; jq edits the conflists it writes
  podman busybox-static jq
  # tests only (integration_firewall_firewalld): a private system bus, a stand-in firewalld written with
  # python3-dbus, dbus-send as the administrator; the firewall plugin's D-Bus client is Wharf's own
  dbus-daemon dbus-bin python3-dbus python3-gi
  # tests only (kube tests): the stand-in API server's self-signed certificate is made with the openssl CLI
  openssl
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all packages present"
