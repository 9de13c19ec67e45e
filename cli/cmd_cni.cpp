// wharf add|check|del NET NETNS, wharf gc NET, wharf status NET: cnitool's commands and environment,
// run by cli::runtime; wharf reconcile [NET...]: gc of every network, for the repair it makes.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli/capability_args.hpp"
#include "cli/command.hpp"
#include "cli/conf_loader.hpp"
#include "cli/container_id.hpp"
#include "cli/plugin_exec.hpp"
#include "cli/runtime.hpp"

namespace wharf::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// An absolute path, as cnitool makes it; a bare name that is not a file here but is a named
// namespace is taken as that namespace.
std::string resolve_netns(const std::string& given, const settings& s) {
    std::error_code ec;
    if (given.find('/') == std::string::npos && !fs::exists(given, ec) && fs::exists(s.netns_dir + "/" + given, ec))
        return s.netns_dir + "/" + given;
    return fs::absolute(given).lexically_normal().string();
}

runtime_conf conf_from_environment(const args& a, const std::string& netns, const settings&) {
    runtime_conf rt;
    rt.netns = netns;
    const char* cid = std::getenv("CNI_CONTAINERID");
    rt.container_id = cid && *cid ? cid : container_id_for_netns(netns);
    // cnitool: CNI_IFNAME when set (even empty), else eth0.
    if (const char* ifname = std::getenv("CNI_IFNAME")) rt.ifname = ifname;
    if (const char* cni_args = std::getenv("CNI_ARGS")) rt.args = parse_cni_args(cni_args);
    rt.capability_args = capability_args_from(a, std::getenv("CAP_ARGS"));
    return rt;
}

runtime make_runtime(const settings& s) {
    return runtime({.path = s.cni_path, .cache_dir = s.cache_dir, .negotiate_version = s.negotiate_version});
}

int run_add(const args& a, const settings& s) {
    expect_positional(a, 2, "NET NETNS");
    auto list = load_network(s.conf_dir, a.positional[0]);
    auto rt = conf_from_environment(a, resolve_netns(a.positional[1], s), s);
    auto rtm = make_runtime(s);
    json result = rtm.add(list, rt);
    std::printf("%s\n", result.dump(4).c_str());
    return 0;
}

int run_check(const args& a, const settings& s) {
    expect_positional(a, 2, "NET NETNS");
    auto list = load_network(s.conf_dir, a.positional[0]);
    auto rt = conf_from_environment(a, resolve_netns(a.positional[1], s), s);
    make_runtime(s).check(list, rt);
    return 0;
}

int run_del(const args& a, const settings& s) {
    expect_positional(a, 2, "NET NETNS");
    auto list = load_network(s.conf_dir, a.positional[0]);
    auto rt = conf_from_environment(a, resolve_netns(a.positional[1], s), s);
    auto rtm = make_runtime(s);
    // Like containerd, DEL reuses the capability arguments ADD was given unless new ones are passed.
    if (rt.capability_args.empty())
        if (auto cached = rtm.cache().load(list.name, rt.container_id, rt.ifname)) rt.capability_args = cached->capability_args;
    rtm.del(list, rt);
    return 0;
}

// GC of one network. Valid: the cached attachments whose namespace still exists; the rest are DELeted.
// The plugins make again what the valid ones rely on and nftables lost. Prints what was kept.
void gc_network(runtime& rtm, const network_list& list, const char* verb) {
    std::vector<gc_attachment> valid;
    std::error_code ec;
    for (const auto& e : rtm.cache().attachments())
        if (e.network == list.name && !e.netns.empty() && fs::exists(e.netns, ec)) valid.push_back({e.container_id, e.ifname});
    rtm.gc(list, valid);
    std::printf("%s %s: %zu attachment%s kept\n", verb, list.name.c_str(), valid.size(), valid.size() == 1 ? "" : "s");
}

int run_gc(const args& a, const settings& s) {
    if (a.positional.empty() || a.positional.size() > 2)
        throw failure(exit_code::usage, "expected NET (and, as cnitool accepts, an ignored NETNS)");
    auto list = load_network(s.conf_dir, a.positional[0]);
    auto rtm = make_runtime(s);
    gc_network(rtm, list, "gc");
    return 0;
}

// Every named network (all of the directory's when none is named) gets gc_network; one failing does
// not stop the others, and the command fails if any did.
int run_reconcile(const args& a, const settings& s) {
    std::vector<network_list> lists;
    if (a.positional.empty()) {
        for (auto& entry : load_all(s.conf_dir))
            if (entry.list && !entry.shadowed) lists.push_back(std::move(*entry.list));
    } else {
        for (const auto& name : a.positional) lists.push_back(load_network(s.conf_dir, name));
    }
    auto rtm = make_runtime(s);
    std::string failed;
    for (const auto& list : lists) {
        try {
            gc_network(rtm, list, "reconcile");
        } catch (const std::exception& e) {
            std::fprintf(stderr, "wharf reconcile %s: %s\n", list.name.c_str(), e.what());
            failed += (failed.empty() ? "" : ", ") + list.name;
        }
    }
    if (!failed.empty()) throw failure(exit_code::failed, "could not reconcile " + failed, "the errors are above");
    return 0;
}

int run_status(const args& a, const settings& s) {
    if (a.positional.empty() || a.positional.size() > 2) throw failure(exit_code::usage, "expected NET");
    auto list = load_network(s.conf_dir, a.positional[0]);
    make_runtime(s).status(list);
    std::printf("network %s: ready\n", list.name.c_str());
    return 0;
}

const char* env_help =
    "NETNS is a path (/run/netns/x, /proc/PID/ns/net) or the name of a namespace in /run/netns.\n"
    "The container ID is CNI_CONTAINERID, else cnitool's: \"cnitool-\" + the first 10 bytes of\n"
    "SHA-512(NETNS path) in hex. The interface is CNI_IFNAME (default eth0); CNI_ARGS and CAP_ARGS\n"
    "are read as cnitool reads them. Results are cached as libcni caches them, in\n"
    "$WHARF_CACHE_DIR/results (default /var/lib/cni/results).";

}  // namespace

std::vector<command> cni_commands() {
    auto caps = capability_options();
    return {
        {"add", "NET NETNS", "run the network's plugin chain with ADD and print the result",
         std::string("Runs every plugin of NET in order, each getting the previous result, and caches the\n"
                     "final result. ") + env_help,
         caps, run_add},
        {"check", "NET NETNS", "run CHECK with the cached result (unless disableCheck)", env_help, caps, run_check},
        {"del", "NET NETNS", "run DEL in reverse order with the cached result, then drop the cache entry",
         std::string("DEL reuses the capability arguments ADD was given unless new ones are passed.\n") + env_help, caps, run_del},
        {"gc", "NET", "DEL stale attachments, then GC with the valid ones",
         "Attachments in the cache whose namespace still exists are valid; the others are DELeted.\n"
         "Then (spec 1.1.0+, unless disableGC) each plugin gets GC with cni.dev/valid-attachments.",
         {}, run_gc},
        {"status", "NET", "ask every plugin whether it is ready (spec 1.1.0+)", "", {}, run_status},
        {"reconcile", "[NET...]", "gc every network (or those named): make again what running containers lost",
         "For hosts without wharfd: after the firewall was flushed or reloaded, GC of each network with its\n"
         "valid attachments (as gc) makes the plugins publish their ports and masquerade again from\n"
         "their records, and DELs the attachments whose namespace is gone.",
         {}, run_reconcile},
    };
}

}  // namespace wharf::cli
