#!/usr/bin/env bash
# A full bridge ADD and DEL (the bridge plugin plus its host-local child), Wharf's beside the
# reference /usr/lib/cni/bridge, with the same conflist, in one interleaved run, next to the floor:
# two starts of the static no-op (bench/wharf-nop), the bare process creation an ADD cannot avoid.
# Everything runs inside a throwaway "host" network namespace (and one container namespace), so the
# real host's bridges, sysctls and nftables/iptables rules are never touched; both go at the end.
# Rows: our bridge with our host-local (which fsyncs its reservations: on this VM's disk a journal
# commit costs 0.4-1 ms and an ADD needs three), the same with the store on tmpfs (where fsync is
# free: the cost of everything but the disk), our bridge with the reference host-local (no fsync:
# the same IPAM work the reference stack does), and the reference stack.
# Usage: bench/bridge_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=$(realpath "${1:-build}")
runs=${2:-100}
ref=/usr/lib/cni/bridge
[ -x "$build/bin/bridge" ] && [ -x "$build/bin/host-local" ] && [ -x "$build/bench/wharf-nop" ] ||
  { echo "build bridge, host-local and wharf-nop in $build first" >&2; exit 1; }

tag=$$
hostns=wbench-h$tag
ctrns=wbench-c$tag
data=$(mktemp -d /tmp/wharf-bridge-bench-XXXXXX)
shm=$(mktemp -d /dev/shm/wharf-bridge-bench-XXXXXX)
export WHARF_RUN_DIR="$data/run"  # the bridge's records of the network's pieces go with the bench
cleanup() {
  ip netns del "$hostns" 2>/dev/null || true
  ip netns del "$ctrns" 2>/dev/null || true
  rm -rf "$data" "$shm"
}
trap cleanup EXIT INT TERM
ip netns add "$hostns"
ip netns add "$ctrns"

# The reference masquerades through the iptables binary; without it, both run with ipMasq off.
masq=true
command -v iptables >/dev/null || masq=false
conf=$(cat <<JSON
{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"wbench0","isGateway":true,
 "isDefaultGateway":true,"ipMasq":$masq,
 "ipam":{"type":"host-local","dataDir":"$data","ranges":[[{"subnet":"10.254.0.0/16"}]]}}
JSON
)

echo "machine: $(nproc) cores, $(uname -r); $runs runs each, interleaved; ipMasq=$masq"
ip netns exec "$hostns" python3 - "$build" "$ref" "$runs" "/run/netns/$ctrns" "$conf" "$data" "$shm" <<'PY'
import os, statistics, sys, tempfile, time

build, ref, runs, netns, conf, data, shm = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]

def conf_in(text):
    f = tempfile.NamedTemporaryFile("w", delete=False)
    f.write(text)
    f.close()
    return f.name

conf_file = conf_in(conf)
shm_conf_file = conf_in(conf.replace(data, shm))

def run(binary, env, conf_path=None):
    """Wall time in ms of one run of binary (stdin: the conflist), and its exit status."""
    fa = [(os.POSIX_SPAWN_OPEN, 0, conf_path or conf_file, os.O_RDONLY, 0),
          (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
          (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)]
    t0 = time.perf_counter()
    pid = os.posix_spawn(binary, [binary], env, file_actions=fa)
    _, status = os.waitpid(pid, 0)
    return (time.perf_counter() - t0) * 1000, os.waitstatus_to_exitcode(status)

def cni_env(cmd, path, n):
    return {"CNI_COMMAND": cmd, "CNI_CONTAINERID": "bench%d" % n, "CNI_NETNS": netns,
            "CNI_IFNAME": "eth0", "CNI_PATH": path, "PATH": os.environ.get("PATH", "")}

nop = build + "/bench/wharf-nop"
series = {k: [] for k in ("floor", "wharf ADD", "wharf DEL", "wharf tmpfs ADD", "wharf tmpfs DEL",
                          "wharf+ref-IPAM ADD", "wharf+ref-IPAM DEL", "reference ADD", "reference DEL")}
failures = {k: 0 for k in series}
for n in range(runs + 5):               # the first 5 rounds warm caches and create the bridges
    a, _ = run(nop, {})
    b, _ = run(nop, {})
    samples = {"floor": (a + b, 0)}
    samples["wharf ADD"] = run(build + "/bin/bridge", cni_env("ADD", build + "/bin", n))
    samples["wharf DEL"] = run(build + "/bin/bridge", cni_env("DEL", build + "/bin", n))
    # The same with host-local's store on tmpfs: everything but the disk's journal commits.
    samples["wharf tmpfs ADD"] = run(build + "/bin/bridge", cni_env("ADD", build + "/bin", n + 200000), shm_conf_file)
    samples["wharf tmpfs DEL"] = run(build + "/bin/bridge", cni_env("DEL", build + "/bin", n + 200000), shm_conf_file)
    # Our bridge delegating to the reference host-local: the same IPAM work as the reference stack.
    samples["wharf+ref-IPAM ADD"] = run(build + "/bin/bridge", cni_env("ADD", "/usr/lib/cni", n + 100000))
    samples["wharf+ref-IPAM DEL"] = run(build + "/bin/bridge", cni_env("DEL", "/usr/lib/cni", n + 100000))
    samples["reference ADD"] = run(ref, cni_env("ADD", "/usr/lib/cni", n))
    samples["reference DEL"] = run(ref, cni_env("DEL", "/usr/lib/cni", n))
    if n < 5:
        continue
    for k, (ms, rc) in samples.items():
        series[k].append(ms)
        failures[k] += rc != 0

def p(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]

print("%-22s %9s %9s %9s %7s" % ("", "median", "mean", "p95", "failed"))
for k, v in series.items():
    print("%-22s %6.2f ms %6.2f ms %6.2f ms %6d" % (k, statistics.median(v), statistics.mean(v), p(v, 0.95), failures[k]))
floor = statistics.median(series["floor"])
ours = statistics.median(series["wharf ADD"])
theirs = statistics.median(series["reference ADD"])
print()
print("ADD: reference / wharf = %.1fx; wharf is %.2f ms above the floor of two process starts (%.2f ms)"
      % (theirs / ours, ours - floor, floor))
ours_shm = statistics.median(series["wharf tmpfs ADD"])
print("ADD with host-local's store on tmpfs: reference / wharf = %.1fx; %.2f ms above the floor"
      % (theirs / ours_shm, ours_shm - floor))
ours_ref = statistics.median(series["wharf+ref-IPAM ADD"])
print("ADD with the reference host-local on both sides: reference / wharf = %.1fx; %.2f ms above the floor"
      % (theirs / ours_ref, ours_ref - floor))
print("DEL: reference / wharf = %.1fx" % (statistics.median(series["reference DEL"]) / statistics.median(series["wharf DEL"])))
os.unlink(conf_file)
os.unlink(shm_conf_file)
PY
