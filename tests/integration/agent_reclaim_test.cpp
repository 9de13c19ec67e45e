// wharfd's reclaim on the real kernel: host-local ADDs for containers in throwaway network
// namespaces, with a private dataDir; then the agent, started by the test in a throwaway host
// namespace with a private WHARF_RUN_DIR, releases an attachment only when its namespace is provably
// gone (the path is gone, or holds another namespace) and the record is from an earlier boot, or
// older than --reclaim-after. A record "from an earlier boot" is made by rewriting the boot ID the
// ADD recorded in the owner record file (.wharf-own.<id>@<ifname>): no test can reboot the machine.
// Names are "wrc" + the PID; addresses come from 10.237.0.0/16 and are only files in the dataDir.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "json/json.hpp"
#include "support/background_process.hpp"
#include "support/netns_exec.hpp"
#include "support/plugin_runner.hpp"
#include "support/sandbox.hpp"
#include "support/temp_dir.hpp"
#include "support/watch.hpp"

using namespace wharf::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string earlier_boot = "00000000-0000-4000-8000-000000000000";

// One test's world: the agent's host namespace, a private dataDir and network name, a subnet of
// 10.237.0.0/16 derived from the PID.
struct reclaim_world {
    temp_dir dir{"wrc-reclaim"};
    netns_sandbox host{"wrc"};
    std::string network = unique_name("wrc");
    std::string subnet = "10.237." + std::to_string(getpid() % 250) + ".0/24";

    std::string data_dir() const { return dir.path() + "/ipam"; }
    std::string store() const { return data_dir() + "/" + network; }
    std::string owner_file(const std::string& id) const { return store() + "/.wharf-own." + id + "@eth0"; }

    json conf() const {
        return {{"cniVersion", "1.0.0"},
                {"name", network},
                {"type", "host-local"},
                {"ipam", {{"type", "host-local"}, {"dataDir", data_dir()}, {"ranges", {{{{"subnet", subnet}}}}}}}};
    }

    // host-local ADD for container `id` in the namespace at `netns`; its address, without the prefix.
    std::string add(const std::string& id, const std::string& netns) const {
        cni_call call{.command = "ADD", .container_id = id, .netns = netns};
        auto r = run_plugin(plugin_path("host-local"), call, conf().dump());
        REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
        const std::string cidr = r.json()["ips"][0]["address"].get<std::string>();
        return cidr.substr(0, cidr.find('/'));
    }
    bool reserved(const std::string& ip) const { return fs::exists(store() + "/" + ip); }

    // Pretends the record was written during an earlier boot.
    void make_earlier_boot(const std::string& id) const {
        json doc = json::parse(read_all(owner_file(id)));
        REQUIRE(doc["bootId"].is_string());
        REQUIRE(doc["bootId"] != earlier_boot);
        doc["bootId"] = earlier_boot;
        std::ofstream(owner_file(id), std::ios::trunc) << doc.dump();
    }

    // `wharfd --once` in the host namespace (WHARF_RUN_DIR: the test's private one); its log.
    std::string agent_once(const std::string& args = "") const {
        int rc = -1;
        const std::string out = run_shell("ip netns exec " + host.name() + " " + WHARF_BIN_DIR "/wharfd --once --ipam-dir " +
                                              data_dir() + " " + args + " 2>&1",
                                          &rc);
        CHECK_MESSAGE(rc == 0, out);
        return out;
    }
};

std::string inode_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return "none";
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

}  // namespace

TEST_CASE("an attachment whose namespace is gone and whose record predates the boot is released") {
    reclaim_world w;
    auto ns = std::make_unique<netns_sandbox>("wrc");
    const std::string path = ns->path();
    const std::string ip = w.add("wrc-gone", path);
    REQUIRE(w.reserved(ip));
    REQUIRE(fs::exists(w.owner_file("wrc-gone")));
    const json record = json::parse(read_all(w.owner_file("wrc-gone")));
    CHECK(record["netns"] == path);
    CHECK(record["netnsIno"].get<std::uint64_t>() != 0);
    CHECK(record["netnsCookie"].get<std::uint64_t>() != 0);
    w.make_earlier_boot("wrc-gone");
    ns.reset();  // the container's namespace goes; no DEL ever comes

    const std::string log = w.agent_once();
    CHECK_FALSE(w.reserved(ip));
    CHECK_FALSE(fs::exists(w.owner_file("wrc-gone")));
    CHECK_MESSAGE(log.find("reclaim: released " + ip + " of container wrc-gone interface eth0") != std::string::npos, log);
    CHECK_MESSAGE(log.find("is gone and the record is from an earlier boot") != std::string::npos, log);
    // The address is free again: the next ADD may have it.
    CHECK(w.agent_once().find("released") == std::string::npos);
}

TEST_CASE("a live attachment is never released, whatever its boot and the grace period say") {
    reclaim_world w;
    netns_sandbox ns("wrc");
    const std::string ip = w.add("wrc-live", ns.path());
    w.make_earlier_boot("wrc-live");
    for (const std::string args : {"", "--reclaim-after 0s"}) {
        const std::string log = w.agent_once(args + " --log-level debug");
        CHECK(w.reserved(ip));
        CHECK(fs::exists(w.owner_file("wrc-live")));
        CHECK_MESSAGE(log.find("keeping the addresses of container wrc-live interface eth0") != std::string::npos, log);
        CHECK_MESSAGE(log.find("is still there") != std::string::npos, log);
    }
}

TEST_CASE("a namespace path re-used by another container: the old attachment is released only by the rules, the new one kept") {
    reclaim_world w;
    const std::string name = unique_name("wrc");
    const std::string path = "/run/netns/" + name;
    REQUIRE(run_shell("ip netns add " + name + " && echo ok") == "ok\n");
    const std::string old_ip = w.add("wrc-old", path);
    const std::string old_inode = inode_of(path);
    // The first container dies without a DEL; a second one gets a namespace at the same path.
    // Once the old namespace is freed (the kernel does it in the background), the kernel usually gives
    // the new one the freed inode number: then only the cookie tells them apart. Make that case likely.
    for (int attempt = 0; attempt < 10; ++attempt) {
        run_shell("ip netns del " + name);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        REQUIRE(run_shell("ip netns add " + name + " && echo ok") == "ok\n");
        if (inode_of(path) == old_inode) break;
    }
    MESSAGE("namespace at ", path, ": dev:inode ", old_inode, " before, ", inode_of(path), " after",
            std::string(old_inode == inode_of(path) ? " (re-used: only the cookie differs)" : ""));
    const std::string new_ip = w.add("wrc-new", path);
    REQUIRE(old_ip != new_ip);

    // Both of this boot, no grace period: nothing is released.
    std::string log = w.agent_once("--log-level debug");
    CHECK(w.reserved(old_ip));
    CHECK(w.reserved(new_ip));
    CHECK_MESSAGE(log.find("is replaced by another namespace, but the record is from this boot") != std::string::npos, log);

    // The grace period over: the old one goes, the new one (same path, same namespace) stays.
    log = w.agent_once("--reclaim-after 0s");
    CHECK_FALSE(w.reserved(old_ip));
    CHECK(w.reserved(new_ip));
    CHECK_MESSAGE(log.find("released " + old_ip + " of container wrc-old") != std::string::npos, log);
    CHECK(log.find("wrc-new") == std::string::npos);

    // And the new one stays even when its record claims an earlier boot.
    w.make_earlier_boot("wrc-new");
    w.agent_once("--reclaim-after 0s");
    CHECK(w.reserved(new_ip));
    run_shell("ip netns del " + name);
}

TEST_CASE("--reclaim-after releases a gone attachment of this boot once its ADD is that old") {
    reclaim_world w;
    auto ns = std::make_unique<netns_sandbox>("wrc");
    const std::string ip = w.add("wrc-grace", ns->path());
    ns.reset();
    std::string log = w.agent_once("--log-level debug");
    CHECK(w.reserved(ip));
    CHECK_MESSAGE(log.find("but the record is from this boot (no --reclaim-after)") != std::string::npos, log);
    log = w.agent_once("--reclaim-after 1m --log-level debug");
    CHECK(w.reserved(ip));
    CHECK_MESSAGE(log.find("(--reclaim-after 1m)") != std::string::npos, log);

    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    log = w.agent_once("--reclaim-after 2s");
    CHECK_FALSE(w.reserved(ip));
    CHECK_MESSAGE(log.find("released " + ip + " of container wrc-grace") != std::string::npos, log);
}

TEST_CASE("a dry run lists what it would release and releases nothing") {
    reclaim_world w;
    auto ns = std::make_unique<netns_sandbox>("wrc");
    const std::string ip = w.add("wrc-dry", ns->path());
    w.make_earlier_boot("wrc-dry");
    ns.reset();
    const std::string log = w.agent_once("--dry-run");
    CHECK(w.reserved(ip));
    CHECK(fs::exists(w.owner_file("wrc-dry")));
    CHECK_MESSAGE(log.find("reclaim (dry run): would release the addresses of container wrc-dry interface eth0") !=
                      std::string::npos,
                  log);
    CHECK(log.find("released") == std::string::npos);
    int rc = 0;
    run_shell(std::string(WHARF_BIN_DIR) + "/wharfd --dry-run 2>/dev/null", &rc);
    CHECK(rc == 2);  // --dry-run without --once is refused

    w.agent_once();
    CHECK_FALSE(w.reserved(ip));
}

TEST_CASE("the agent, running, reclaims at start and leaves live attachments alone") {
    reclaim_world w;
    netns_sandbox live("wrc");
    auto dead = std::make_unique<netns_sandbox>("wrc");
    const std::string live_ip = w.add("wrc-run-live", live.path());
    const std::string dead_ip = w.add("wrc-run-dead", dead->path());
    w.make_earlier_boot("wrc-run-live");
    w.make_earlier_boot("wrc-run-dead");
    dead.reset();
    const std::string log = w.dir.path() + "/wharfd.log";
    background_process agent({std::string(WHARF_BIN_DIR) + "/wharfd", "--ipam-dir", w.data_dir()}, log, w.host.path());
    CHECK_MESSAGE(within(std::chrono::seconds(10), [&] { return !w.reserved(dead_ip); }), read_all(log));
    CHECK(w.reserved(live_ip));
    agent.stop();
    CHECK_FALSE(agent.running());
    CHECK(read_all(log).find("released " + dead_ip + " of container wrc-run-dead") != std::string::npos);
}

TEST_CASE("portmap: the published ports of a container that died are withdrawn by reclaim, a live one's stay") {
    reclaim_world w;
    netns_sandbox live("wrc");
    auto dead = std::make_unique<netns_sandbox>("wrc");
    const std::string prefix = "10.237." + std::to_string(getpid() % 250) + ".";
    auto publish = [&](const std::string& id, const std::string& netns, const std::string& ip, unsigned port) {
        json conf = {{"cniVersion", "1.0.0"},
                     {"name", w.network},
                     {"type", "portmap"},
                     {"capabilities", {{"portMappings", true}}},
                     {"runtimeConfig", {{"portMappings", {{{"hostPort", port}, {"containerPort", 80}, {"protocol", "tcp"}}}}}},
                     {"prevResult",
                      {{"cniVersion", "1.0.0"},
                       {"interfaces", {{{"name", "eth0"}, {"sandbox", netns}}}},
                       {"ips", {{{"address", ip + "/24"}, {"interface", 0}}}}}}};
        cni_call call{.command = "ADD", .container_id = id, .netns = netns};
        auto r = run_plugin_in(w.host.name(), plugin_path("portmap"), call, conf.dump());
        REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
    };
    publish("wrc-pm-live", live.path(), prefix + "2", 18471);
    publish("wrc-pm-dead", dead->path(), prefix + "3", 18472);
    auto table = [&] { return w.host.exec("nft list table inet wharf_portmap 2>/dev/null"); };
    REQUIRE(table().find("18471") != std::string::npos);
    REQUIRE(table().find("18472") != std::string::npos);
    dead.reset();

    std::string log = w.agent_once();
    CHECK(table().find("18472") != std::string::npos);  // this boot, no grace period
    log = w.agent_once("--reclaim-after 0s");
    CHECK(table().find("18471") != std::string::npos);
    CHECK_MESSAGE(table().find("18472") == std::string::npos, log);
    CHECK_MESSAGE(log.find("withdrew the published ports of container wrc-pm-dead interface eth0") != std::string::npos, log);
    CHECK(log.find("wrc-pm-live") == std::string::npos);
}
