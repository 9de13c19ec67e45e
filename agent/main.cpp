// wharfd: Wharf's optional node agent. It watches nftables in the network namespace it was started
// in and, whenever anything there changes, makes again what the plugins recorded and nftables lost
// (a flushed ruleset, a firewall reload, a table, chain or element deleted by hand). The plugins work
// the same without it. Logs go to stderr.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
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

int serve(const std::string& metrics_address) {
    auto signals = stop_signals();
    auto changes = nft::monitor::open();
    raise_descriptor_limit();
    sys::make_directories(sys::run_dir());  // 0700, as the plugins make it: the socket inside is root's alone
    agent::lender lender(netlink::agent_socket_path());
    log::info("wharfd: watching nftables, lending netfilter sockets on {} (pid {})", lender.path(), getpid());
    std::optional<agent::metrics_server> metrics;
    if (!metrics_address.empty()) {
        metrics.emplace(metrics_address, [&lender] {
            const auto lent = lender.counters();
            return agent::render_metrics(&lent, lender.pool_size());
        });
        log::info("wharfd: metrics on http://{}/metrics", metrics->address());
    }
    agent::sysctl_keeper sysctls;
    agent::repair_once();
    sysctls.keep();
    auto last_repair = std::chrono::steady_clock::now();
    for (;;) {
        agent::reclaim_when_due(reclaim_opts);
        pollfd fds[2] = {{.fd = signals.get(), .events = POLLIN, .revents = 0},
                         {.fd = changes.fd(), .events = POLLIN, .revents = 0}};
        const int n = ::poll(fds, 2, sysctl_check_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll");
        }
        if (fds[0].revents != 0) {
            log::info("wharfd: stopping");
            return 0;
        }
        sysctls.keep();
        if (n == 0) {
            if (std::chrono::steady_clock::now() - last_repair >= idle_repair) {
                agent::repair_once();
                last_repair = std::chrono::steady_clock::now();
            }
            continue;
        }
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
            last_repair = std::chrono::steady_clock::now();
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool once = false;
    std::string level = "info";
    std::string metrics_address;
    std::string cni_bin_dir, cni_conf_dir, pod_cidrs, mtu;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        if (arg == "--once") {
            once = true;
        } else if (arg == "--metrics" && i + 1 < argc) {
            metrics_address = argv[++i];
        } else if (arg == "--dry-run") {
            reclaim_opts.dry_run = true;
        } else if (arg == "--reclaim-after" && i + 1 < argc) {
            reclaim_opts.policy.after = agent::parse_duration(argv[++i]);
            if (!reclaim_opts.policy.after) {
                std::fprintf(stderr, "wharfd: --reclaim-after \"%s\" is no duration (90s, 10m, 1h30m)\n", argv[i]);
                return 2;
            }
        } else if (arg == "--ipam-dir" && i + 1 < argc) {
            reclaim_opts.ipam_dirs.emplace_back(argv[++i]);
        } else if (arg == "--cni-bin-dir" && i + 1 < argc) {
            cni_bin_dir = argv[++i];
        } else if (arg == "--cni-conf-dir" && i + 1 < argc) {
            cni_conf_dir = argv[++i];
        } else if (arg == "--pod-cidr" && i + 1 < argc) {
            pod_cidrs = argv[++i];
        } else if (arg == "--mtu" && i + 1 < argc) {
            mtu = argv[++i];
        } else if (arg == "--log-level" && i + 1 < argc) {
            level = argv[++i];
        } else {
            std::fprintf(stderr, "wharfd: unknown argument \"%s\"\n%s", arg.c_str(), usage);
            return 2;
        }
    }
    if (reclaim_opts.dry_run && !once) {
        std::fprintf(stderr, "wharfd: --dry-run needs --once\n%s", usage);
        return 2;
    }
    std::string conflist;
    try {
        if (cni_conf_dir.empty() != pod_cidrs.empty() || (!mtu.empty() && cni_conf_dir.empty()))
            throw agent::conflist_error("--pod-cidr and --mtu go with --cni-conf-dir, which needs --pod-cidr");
        if (!cni_conf_dir.empty())
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
        if (!cni_conf_dir.empty()) agent::write_conflist(cni_conf_dir, conflist);
        if (once) {
            if (!reclaim_opts.dry_run) {
                agent::repair_once();
                agent::sysctl_keeper().keep();
            }
            agent::reclaim_once(reclaim_opts);
            return 0;
        }
        return serve(metrics_address);
    } catch (const std::exception& e) {
        log::error("wharfd: {}", e.what());
        return 1;
    }
}
