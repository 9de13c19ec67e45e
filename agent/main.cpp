// wharfd: Wharf's optional node agent. It watches nftables in the network namespace it was started
// in and, whenever anything there changes, makes again what the plugins recorded and nftables lost
// (a flushed ruleset, a firewall reload, a table, chain or element deleted by hand). The plugins work
// the same without it. Logs go to stderr.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "log/logging.hpp"
#include "nft/monitor.hpp"
#include "reclaim.hpp"
#include "repair.hpp"

namespace {

using namespace wharf;

constexpr const char* usage =
    "usage: wharfd [--once [--dry-run]] [--reclaim-after DURATION] [--ipam-dir DIR]... [--log-level LEVEL]\n"
    "Wharf's node agent: repairs what the plugins recorded (bridge masquerade and isolation, portmap's\n"
    "published ports) whenever nftables changes in this network namespace, and reclaims what containers\n"
    "that died without a DEL left (host-local's addresses, portmap's published ports): at start, then\n"
    "about every minute.\n"
    "  --once                   repair and reclaim once, then exit (0 whether or not anything was done)\n"
    "  --dry-run                with --once: change nothing; log what reclaim would release\n"
    "  --reclaim-after DURATION also reclaim an attachment of this boot whose network namespace is gone\n"
    "                           once its ADD is DURATION old (90s, 10m, 1h30m); default: only\n"
    "                           attachments recorded during an earlier boot\n"
    "  --ipam-dir DIR           a host-local dataDir to reclaim in (repeatable; default /var/lib/cni/networks)\n"
    "  --log-level LEVEL        trace, debug, info (default), warn, error\n"
    "Never reclaimed: an attachment whose network namespace is still at its path, or whose record names\n"
    "no namespace identity. State: $WHARF_RUN_DIR (default /run/wharf), as the plugins keep it.\n";

agent::reclaim_options reclaim_opts;

// Changes come in bursts (a flush is many notifications, a repair's own commit more): wait this long
// after the last one before repairing, so one repair answers the whole burst.
constexpr auto settle = std::chrono::milliseconds(50);
// Also repair this often when nothing was heard, in case notifications were lost on the way.
constexpr int idle_repair_ms = 30'000;

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

int serve() {
    auto signals = stop_signals();
    auto changes = nft::monitor::open();
    log::info("wharfd: watching nftables (pid {})", getpid());
    agent::repair_once();
    for (;;) {
        agent::reclaim_when_due(reclaim_opts);
        pollfd fds[2] = {{.fd = signals.get(), .events = POLLIN, .revents = 0},
                         {.fd = changes.fd(), .events = POLLIN, .revents = 0}};
        const int n = ::poll(fds, 2, idle_repair_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll");
        }
        if (fds[0].revents != 0) {
            log::info("wharfd: stopping");
            return 0;
        }
        if (n == 0) {
            agent::repair_once();
            continue;
        }
        // Let the burst end, then repair once for all of it. The repair's own commit notifies too:
        // the next round's repair finds nothing missing and commits nothing, so it settles.
        while (changes.drain()) std::this_thread::sleep_for(settle);
        agent::repair_once();
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool once = false;
    std::string level = "info";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        if (arg == "--once") {
            once = true;
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
    log::configure("wharfd", "", level);
    try {
        if (once) {
            if (!reclaim_opts.dry_run) agent::repair_once();
            agent::reclaim_once(reclaim_opts);
            return 0;
        }
        return serve();
    } catch (const std::exception& e) {
        log::error("wharfd: {}", e.what());
        std::fprintf(stderr, "wharfd: %s\n", e.what());
        return 1;
    }
}
