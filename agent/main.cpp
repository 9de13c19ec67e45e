// wharfd: Wharf's optional node agent. It watches nftables in the network namespace it was started
// in and, whenever anything there changes, makes again what the plugins recorded and nftables lost
// (a flushed ruleset, a firewall reload, a table, chain or element deleted by hand). The plugins work
// the same without it. In Kubernetes mode it also makes the node's part of the cluster network
// (cluster_agent.hpp). Logs go to stderr.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "cluster_agent.hpp"
#include "conflist.hpp"
#include "install.hpp"
#include "lender.hpp"
#include "metrics.hpp"
#include "log/logging.hpp"
#include "netlink/netfilter_socket.hpp"
#include "nft/monitor.hpp"
#include "reclaim.hpp"
#include "repair.hpp"
#include "sysctl_keeper.hpp"
#include "sys/dirs.hpp"

namespace {

using namespace wharf;

constexpr const char* usage =
    "usage: wharfd [--once [--dry-run]] [--reclaim-after DURATION] [--ipam-dir DIR]... [--metrics HOST:PORT]\n"
    "              [--cni-bin-dir DIR] [--cni-conf-dir DIR --pod-cidr CIDR[,CIDR] [--mtu N]] [--log-level LEVEL]\n"
    "       wharfd --kubernetes|--kubeconfig FILE [--node-name NAME] --cluster-cidr CIDR[,CIDR]\n"
    "              [--backend host-gw|vxlan|auto] [--vxlan-vni N] [--vxlan-port N] [--cni-bin-dir DIR]\n"
    "              [--cni-conf-dir DIR] [--mtu N] [--metrics HOST:PORT] [--ipam-dir DIR]... [--log-level LEVEL]\n"
    "Wharf's node agent: lends the plugins netfilter sockets on $WHARF_RUN_DIR/wharfd.sock, so that their\n"
    "commits skip the kernel's RCU wait; repairs what the plugins recorded (bridge masquerade, isolation\n"
    "and spoof checks, portmap's published ports, the sysctls they rely on) whenever it changes in this\n"
    "network namespace; and reclaims what containers that died without a DEL left (host-local's\n"
    "addresses, portmap's published ports): at start, then about every minute.\n"
    "  --once                   repair and reclaim once, then exit (0 whether or not anything was done)\n"
    "  --dry-run                with --once: change nothing; log what reclaim would release\n"
    "  --reclaim-after DURATION also reclaim an attachment of this boot whose network namespace is gone\n"
    "                           once its ADD is DURATION old (90s, 10m, 1h30m); default: only\n"
    "                           attachments recorded during an earlier boot\n"
    "  --ipam-dir DIR           a host-local dataDir to reclaim in (repeatable; default /var/lib/cni/networks)\n"
    "  --metrics HOST:PORT      serve Prometheus metrics at http://HOST:PORT/metrics; HOST must be a\n"
    "                           loopback address (127.0.0.1, ::1); off by default\n"
    "  --cni-bin-dir DIR        at start, install the plugins beside wharfd into DIR (/opt/cni/bin on a\n"
    "                           node), each only when its bytes differ, each atomically\n"
    "  --cni-conf-dir DIR       at start, write DIR/10-wharf.conflist (network wharf: bridge wharf0,\n"
    "                           host-local, portmap) when its content changes; needs --pod-cidr\n"
    "  --pod-cidr CIDR[,CIDR]   the node's pod ranges, at most one IPv4 and one IPv6, in this order\n"
    "  --mtu N                  the pods' MTU in that conflist (default: the bridge plugin's)\n"
    "  --log-level LEVEL        trace, debug, info (default), warn, error\n"
    "Kubernetes mode (docs/kubernetes.md): watches the cluster's Nodes; once its own Node has\n"
    "spec.podCIDRs, routes to the other nodes' pod ranges, masquerades pod traffic leaving the cluster\n"
    "range, writes the conflist from those ranges (bridge without ipMasq, the backend's MTU) and sets\n"
    "its Node's NetworkUnavailable condition to False. /healthz and /readyz beside --metrics.\n"
    "  --kubernetes             in-cluster: the service account's token and CA, KUBERNETES_SERVICE_HOST/_PORT\n"
    "  --kubeconfig FILE        a kubeconfig instead (server, certificate-authority[-data], token[File])\n"
    "  --node-name NAME         this node's Node (default: $NODE_NAME)\n"
    "  --cluster-cidr CIDR[,CIDR] the whole cluster's pod range, at most one IPv4 and one IPv6; traffic\n"
    "                           to it keeps the pod's address, traffic elsewhere is masqueraded\n"
    "  --backend MODE           host-gw (a route via each node's InternalIP), vxlan (an overlay), or\n"
    "                           auto (default): host-gw to nodes on this node's L2 segment, vxlan to others\n"
    "  --vxlan-vni N            the VXLAN network identifier (default 1)\n"
    "  --vxlan-port N           the VXLAN UDP port (default 4789)\n"
    "  --cni-bin-dir, --cni-conf-dir default to /opt/cni/bin and /etc/cni/net.d in Kubernetes mode;\n"
    "                           --mtu there overrides the backend's pod MTU\n"
    "Never reclaimed: an attachment whose network namespace is still at its path, or whose record names\n"
    "no namespace identity. State: $WHARF_RUN_DIR (default /run/wharf), as the plugins keep it.\n";

agent::reclaim_options reclaim_opts;

// Changes come in bursts (a flush is many notifications, a repair's own commit more): wait this long
// after the last one before repairing, so one repair answers the whole burst.
constexpr auto settle = std::chrono::milliseconds(50);
// Also repair this often when nothing was heard, in case notifications were lost on the way.
constexpr auto idle_repair = std::chrono::seconds(30);
// How often the recorded sysctls are read (no notification covers them all).
constexpr int sysctl_check_ms = 500;

unique_fd stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) throw_errno("block SIGTERM and SIGINT");
    unique_fd fd(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) throw_errno("signalfd for SIGTERM and SIGINT");
    return fd;
}

// Every borrower holds one of our descriptors while it runs: allow as many as the hard limit does.
void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

// Polls every 500 ms at most (sysctl checks): the loop's heartbeat, which /healthz reports.
constexpr auto stalled = std::chrono::minutes(1);

int serve(const std::string& metrics_address, std::optional<agent::cluster_options> cluster_opts) {
    auto signals = stop_signals();
    auto changes = nft::monitor::open();
    raise_descriptor_limit();
    sys::make_directories(sys::run_dir());  // 0700, as the plugins make it: the socket inside is root's alone
    agent::lender lender(netlink::agent_socket_path());
    log::info("wharfd: watching nftables, lending netfilter sockets on {} (pid {})", lender.path(), getpid());
    std::optional<agent::cluster_agent> cluster;
    if (cluster_opts) cluster.emplace(std::move(*cluster_opts));
    // The metrics server's thread reads these; the loop below writes them.
    std::atomic<std::int64_t> last_turn{std::chrono::steady_clock::now().time_since_epoch().count()};
    std::mutex cluster_state;
    std::optional<agent::metrics_server> metrics;
    if (!metrics_address.empty()) {
        metrics.emplace(
            metrics_address,
            [&] {
                const auto lent = lender.counters();
                std::string page = agent::render_metrics(&lent, lender.pool_size());
                if (cluster) {
                    const std::lock_guard lock(cluster_state);
                    page += cluster->render_metrics();
                }
                return page;
            },
            [&] {
                agent::health h;
                const auto since = std::chrono::steady_clock::now().time_since_epoch() -
                                   std::chrono::steady_clock::duration(last_turn.load());
                if (since > stalled) {
                    h.live = h.ready = false;
                    h.detail = "the agent's loop has not turned for " +
                               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count()) + " s";
                    return h;
                }
                if (cluster) {
                    const std::lock_guard lock(cluster_state);
                    const auto c = cluster->state();
                    h.ready = c.ready;
                    h.detail = c.detail;
                }
                return h;
            });
        log::info("wharfd: metrics on http://{}/metrics, probes on /healthz and /readyz", metrics->address());
    }
    agent::sysctl_keeper sysctls;
    agent::repair_once();
    sysctls.keep();
    auto last_repair = std::chrono::steady_clock::now();
    const auto locked = [&](auto&& step) {
        const std::lock_guard lock(cluster_state);
        step(*cluster);
    };
    if (cluster) locked([](agent::cluster_agent& c) { c.on_nodes(); });
    for (;;) {
        last_turn = std::chrono::steady_clock::now().time_since_epoch().count();
        agent::reclaim_when_due(reclaim_opts);
        if (cluster) locked([](agent::cluster_agent& c) { c.tick(); });
        pollfd fds[4] = {{.fd = signals.get(), .events = POLLIN, .revents = 0},
                         {.fd = changes.fd(), .events = POLLIN, .revents = 0},
                         {.fd = cluster ? cluster->nodes_fd() : -1, .events = POLLIN, .revents = 0},
                         {.fd = cluster ? cluster->routes_fd() : -1, .events = POLLIN, .revents = 0}};
        const int n = ::poll(fds, 4, sysctl_check_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll");
        }
        if (fds[0].revents != 0) {
            log::info("wharfd: stopping");
            return 0;
        }
        sysctls.keep();
        if (fds[2].revents != 0) locked([](agent::cluster_agent& c) { c.on_nodes(); });
        if (fds[3].revents != 0) {
            std::this_thread::sleep_for(settle);  // a deleted link takes its routes in a burst
            locked([](agent::cluster_agent& c) { c.on_routes(); });
        }
        if (n == 0) {
            if (std::chrono::steady_clock::now() - last_repair >= idle_repair) {
                agent::repair_once();
                if (cluster) locked([](agent::cluster_agent& c) {
                    c.on_nftables();
                    c.on_routes();
                });
                last_repair = std::chrono::steady_clock::now();
            }
            continue;
        }
        if (fds[1].revents == 0) continue;
        // Let the burst end, then repair once for all of it, unless every change in it was a
        // plugin's commit on a socket we lent (plugins change only what is theirs, and record it).
        // The repair's own commit notifies too: the next round finds nothing missing and commits
        // nothing, so it settles.
        const auto lent = [&](std::uint32_t port) { return lender.pooled(port); };
        bool foreign = false;
        for (auto seen = changes.drain(lent); seen.any; seen = changes.drain(lent)) {
            foreign = foreign || seen.foreign;
            std::this_thread::sleep_for(settle);
        }
        if (foreign) {
            agent::repair_once();
            if (cluster) locked([](agent::cluster_agent& c) { c.on_nftables(); });
            last_repair = std::chrono::steady_clock::now();
        }
    }
}

// The flags of the Kubernetes mode, as given.
struct kube_flags {
    bool in_cluster = false;
    std::string kubeconfig, node_name, cluster_cidrs, backend = "auto", vni = "1", vxlan_port = "4789";
    bool any() const { return in_cluster || !kubeconfig.empty(); }
};

unsigned parse_number(const std::string& flag, const std::string& text, unsigned low, unsigned high) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < low || value > high)
        throw std::invalid_argument(flag + ": \"" + text + "\" is no number from " + std::to_string(low) + " to " +
                                    std::to_string(high));
    return value;
}

agent::cluster_options cluster_options(const kube_flags& k, const std::string& conf_dir, const std::string& mtu) {
    agent::cluster_options o;
    o.node_name = k.node_name;
    if (o.node_name.empty())
        if (const char* env = std::getenv("NODE_NAME")) o.node_name = env;
    if (o.node_name.empty())
        throw std::invalid_argument("Kubernetes mode needs --node-name or NODE_NAME (the DaemonSet sets it from spec.nodeName)");
    if (k.cluster_cidrs.empty())
        throw std::invalid_argument("Kubernetes mode needs --cluster-cidr: the cluster's pod range (kube-controller-manager's --cluster-cidr)");
    o.cluster_cidrs = agent::parse_cluster_cidrs(k.cluster_cidrs);
    o.backend = agent::routing::parse_backend(k.backend);
    o.vni = parse_number("--vxlan-vni", k.vni, 1, (1U << 24) - 1);
    o.vxlan_port = static_cast<std::uint16_t>(parse_number("--vxlan-port", k.vxlan_port, 1, 65535));
    if (!conf_dir.empty()) o.cni_conf_dir = conf_dir;
    if (!mtu.empty()) o.mtu = agent::parse_mtu(mtu);
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    bool once = false;
    std::string level = "info";
    std::string metrics_address;
    std::string cni_bin_dir, cni_conf_dir, pod_cidrs, mtu;
    kube_flags kube;
    // "--flag=value" is "--flag value", as the DaemonSet's args write it.
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto eq = arg.find('=');
        if (arg.starts_with("--") && eq != std::string::npos) {
            args.push_back(arg.substr(0, eq));
            args.push_back(arg.substr(eq + 1));
        } else {
            args.push_back(arg);
        }
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const bool has_value = i + 1 < args.size();
        const auto next = [&] { return args[++i]; };
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        if (arg == "--once") {
            once = true;
        } else if (arg == "--metrics" && has_value) {
            metrics_address = next();
        } else if (arg == "--dry-run") {
            reclaim_opts.dry_run = true;
        } else if (arg == "--reclaim-after" && has_value) {
            reclaim_opts.policy.after = agent::parse_duration(next());
            if (!reclaim_opts.policy.after) {
                std::fprintf(stderr, "wharfd: --reclaim-after \"%s\" is no duration (90s, 10m, 1h30m)\n", args[i].c_str());
                return 2;
            }
        } else if (arg == "--ipam-dir" && has_value) {
            reclaim_opts.ipam_dirs.emplace_back(next());
        } else if (arg == "--cni-bin-dir" && has_value) {
            cni_bin_dir = next();
        } else if (arg == "--cni-conf-dir" && has_value) {
            cni_conf_dir = next();
        } else if (arg == "--pod-cidr" && has_value) {
            pod_cidrs = next();
        } else if (arg == "--mtu" && has_value) {
            mtu = next();
        } else if (arg == "--kubernetes") {
            kube.in_cluster = true;
        } else if (arg == "--kubeconfig" && has_value) {
            kube.kubeconfig = next();
        } else if (arg == "--node-name" && has_value) {
            kube.node_name = next();
        } else if (arg == "--cluster-cidr" && has_value) {
            kube.cluster_cidrs = next();
        } else if (arg == "--backend" && has_value) {
            kube.backend = next();
        } else if (arg == "--vxlan-vni" && has_value) {
            kube.vni = next();
        } else if (arg == "--vxlan-port" && has_value) {
            kube.vxlan_port = next();
        } else if (arg == "--log-level" && has_value) {
            level = next();
        } else {
            std::fprintf(stderr, "wharfd: unknown argument \"%s\"\n%s", arg.c_str(), usage);
            return 2;
        }
    }
    if (reclaim_opts.dry_run && !once) {
        std::fprintf(stderr, "wharfd: --dry-run needs --once\n%s", usage);
        return 2;
    }
    std::optional<agent::cluster_options> cluster;
    if (kube.any()) {
        try {
            if (once) throw std::invalid_argument("--once is not for Kubernetes mode, which keeps the node in sync");
            if (!pod_cidrs.empty())
                throw std::invalid_argument("--pod-cidr is not for Kubernetes mode: the pod ranges come from the Node's spec.podCIDRs");
            cluster = cluster_options(kube, cni_conf_dir, mtu);
            if (cni_bin_dir.empty()) cni_bin_dir = "/opt/cni/bin";  // a node's: the DaemonSet mounts it
        } catch (const std::invalid_argument& e) {
            std::fprintf(stderr, "wharfd: %s\n%s", e.what(), usage);
            return 2;
        }
    }
    std::string conflist;
    try {
        if (cluster) {
            // the conflist is the cluster agent's, once the Node has its ranges
        } else if (cni_conf_dir.empty() != pod_cidrs.empty() || (!mtu.empty() && cni_conf_dir.empty()))
            throw agent::conflist_error("--pod-cidr and --mtu go with --cni-conf-dir, which needs --pod-cidr");
        else if (!cni_conf_dir.empty())
            conflist = agent::render_conflist({.pod_cidrs = agent::parse_pod_cidrs(pod_cidrs),
                                               .mtu = mtu.empty() ? std::nullopt : std::optional(agent::parse_mtu(mtu))});
    } catch (const agent::conflist_error& e) {
        std::fprintf(stderr, "wharfd: %s\n%s", e.what(), usage);
        return 2;
    }
    log::configure("wharfd", "", level);
    netlink::never_borrow();  // the agent's own commits use its own sockets
    try {
        if (!metrics_address.empty()) agent::check_metrics_address(metrics_address);  // before anything changes
        if (!cni_bin_dir.empty()) agent::install_plugins(agent::own_directory(), cni_bin_dir);
        if (cluster) cluster->access = kube.kubeconfig.empty() ? kube::in_cluster() : kube::load_kubeconfig(kube.kubeconfig);
        if (!cni_conf_dir.empty() && !cluster) agent::write_conflist(cni_conf_dir, conflist);
        if (once) {
            if (!reclaim_opts.dry_run) {
                agent::repair_once();
                agent::sysctl_keeper().keep();
            }
            agent::reclaim_once(reclaim_opts);
            return 0;
        }
        return serve(metrics_address, std::move(cluster));
    } catch (const std::exception& e) {
        log::error("wharfd: {}", e.what());
        return 1;
    }
}
