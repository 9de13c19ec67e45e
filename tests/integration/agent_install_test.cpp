// wharfd's node set-up on the real kernel and filesystem: installing the plugins into a private
// plugin directory (every binary copied with mode 0755 and the same bytes; a second run leaves them
// alone; a changed source replaces its binary atomically while the installed one is exec'd in a
// loop), and writing the node's conflist (written, left alone when unchanged, replaced when the pod
// CIDRs change), then `wharf add` and `wharf del` on that conflist and those binaries in a throwaway
// host namespace. Names are "wk8" + the PID; the pods' range comes from 10.238.0.0/16; directories
// are private (mktemp), and /var/lib is a private directory for `wharf` (host-local's default
// dataDir, which the conflist keeps, is under it).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "conflist.hpp"
#include "install.hpp"
#include "json/json.hpp"
#include "support/plugin_runner.hpp"
#include "support/sandbox.hpp"
#include "support/temp_dir.hpp"
#include "support/watch.hpp"

using namespace wharf;
using namespace wharf::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

struct stat stat_of(const std::string& path) {
    struct stat st {};
    REQUIRE_MESSAGE(::stat(path.c_str(), &st) == 0, path);
    return st;
}

std::vector<std::string> all_plugins() {
    auto names = agent::required_plugins();
    for (const auto& name : agent::optional_plugins()) names.push_back(name);
    return names;
}

// A source directory holding copies of the built plugins, as a package puts them beside wharfd.
struct install_world {
    temp_dir source{"wk8-src"};
    temp_dir target{"wk8-bin"};

    install_world() {
        for (const auto& name : all_plugins()) {
            fs::copy_file(plugin_path(name), source.path() + "/" + name);
            fs::permissions(source.path() + "/" + name, fs::perms(0755));
        }
    }
    std::string src(const std::string& name) const { return source.path() + "/" + name; }
    std::string dst(const std::string& name) const { return target.path() + "/" + name; }
};

std::string subnet_v4() { return "10.238." + std::to_string(getpid() % 250) + ".0/24"; }

}  // namespace

TEST_CASE("running as root") { REQUIRE(geteuid() == 0); }

TEST_CASE("every plugin is installed with mode 0755 and its bytes; a second run leaves them alone") {
    install_world w;
    const auto first = agent::install_plugins(w.source.path(), w.target.path());
    CHECK(first.installed == all_plugins());
    CHECK(first.unchanged.empty());
    for (const auto& name : all_plugins()) {
        CHECK_MESSAGE((stat_of(w.dst(name)).st_mode & 07777) == 0755, name);
        CHECK_MESSAGE(read_all(w.dst(name)) == read_all(w.src(name)), name);
    }
    std::map<std::string, struct stat> before;
    for (const auto& name : all_plugins()) before[name] = stat_of(w.dst(name));

    const auto second = agent::install_plugins(w.source.path(), w.target.path());
    CHECK(second.installed.empty());
    CHECK(second.unchanged == all_plugins());
    for (const auto& name : all_plugins()) {
        const auto now = stat_of(w.dst(name));
        CHECK_MESSAGE(now.st_ino == before[name].st_ino, name);
        CHECK_MESSAGE(now.st_mtim.tv_sec == before[name].st_mtim.tv_sec, name);
        CHECK_MESSAGE(now.st_mtim.tv_nsec == before[name].st_mtim.tv_nsec, name);
    }
    // No temp file is left behind.
    CHECK(std::distance(fs::directory_iterator(w.target.path()), fs::directory_iterator()) ==
          static_cast<long>(all_plugins().size()));
}

TEST_CASE("a missing required plugin is an error naming it; an absent optional one is skipped") {
    install_world w;
    fs::remove(w.src("tuning"));
    const auto report = agent::install_plugins(w.source.path(), w.target.path());
    CHECK(report.installed == agent::required_plugins());
    CHECK_FALSE(fs::exists(w.dst("tuning")));
    fs::remove(w.src("portmap"));
    CHECK_THROWS_WITH(agent::install_plugins(w.source.path(), w.target.path()), doctest::Contains("/portmap"));
}

TEST_CASE("a changed plugin is replaced atomically: ADDs through it during 200 replacements always work") {
    install_world w;
    netns_sandbox pod("wk8");
    // 200 installs of debug builds' 20 MB binaries are minutes of reading and fsync: here the other
    // plugins are small stand-ins (never run) and loopback is stripped of its debug sections.
    for (const auto& name : all_plugins())
        if (name != "loopback") write_file(w.src(name), "#!/bin/sh\nexit 1\n");
    run_shell("strip --strip-debug " + w.src("loopback"));
    agent::install_plugins(w.source.path(), w.target.path());
    const std::string original = read_all(w.src("loopback"));
    const std::string padded = original + std::string(4096, '\0');  // an ELF runs with bytes appended

    // The replacer is another process, as wharfd is beside a runtime. A thread of this process would
    // make the test fail for a reason that is not the installer's: a fork by the exec'ing thread while
    // the replacer has its temp file open for writing gives the child that descriptor, and exec'ing
    // the renamed file then fails with ETXTBSY (golang/go#22315).
    const pid_t replacer = fork();
    REQUIRE(replacer >= 0);
    if (replacer == 0) {
        int code = 0;
        try {
            for (int i = 0; i < 200; ++i) {
                write_file(w.src("loopback"), i % 2 == 0 ? padded : original);
                const auto r = agent::install_plugins(w.source.path(), w.target.path());
                if (r.installed != std::vector<std::string>{"loopback"}) code = 3;
            }
        } catch (...) {
            code = 2;
        }
        _exit(code);
    }
    // Reaped below; on any other way out (a throw from run_plugin), killed and reaped here.
    bool reaped = false;
    struct reaper {
        pid_t pid;
        bool& reaped;
        ~reaper() {
            if (reaped) return;
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    } reap{replacer, reaped};
    int runs = 0;
    int failures = 0;
    std::string first_failure;
    int status = 0;
    for (;;) {
        const pid_t done = waitpid(replacer, &status, WNOHANG);
        // An ADD as a runtime sends it (loopback's ADD is idempotent: lo up, its addresses reported).
        const auto r = run_plugin(w.dst("loopback"), {.command = "ADD", .netns = pod.path(), .ifname = "lo"},
                                  R"({"cniVersion":"1.1.0","name":"wk8-lo","type":"loopback"})");
        ++runs;
        if (r.exit_code != 0 || r.out.find("127.0.0.1/8") == std::string::npos) {
            if (failures++ == 0) first_failure = std::to_string(r.exit_code) + ": " + r.out + r.err;
        }
        if (done == replacer) break;
    }
    reaped = true;
    CHECK_MESSAGE(failures == 0, failures, " of ", runs, " runs failed; the first: ", first_failure);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    MESSAGE(runs, " ADDs through the installed loopback during 200 replacements");
    CHECK(runs > 1);
    CHECK(read_all(w.dst("loopback")) == original);  // the 200th wrote the original bytes
}

TEST_CASE("the conflist is written, left alone when unchanged, replaced when the pod CIDRs change") {
    temp_dir conf{"wk8-conf"};
    const std::string path = conf.path() + "/" + agent::conflist_name;
    const auto render = [](const std::string& cidrs) {
        return agent::render_conflist({.pod_cidrs = agent::parse_pod_cidrs(cidrs), .mtu = std::nullopt});
    };
    const std::string v4 = render(subnet_v4());
    CHECK(agent::write_conflist(conf.path(), v4));
    CHECK(read_all(path) == v4);
    CHECK((stat_of(path).st_mode & 07777) == 0644);
    const auto first = stat_of(path);
    CHECK_FALSE(agent::write_conflist(conf.path(), v4));
    CHECK(stat_of(path).st_ino == first.st_ino);

    const std::string dual = render(subnet_v4() + ",fd00:10:238::/64");
    CHECK(agent::write_conflist(conf.path(), dual));
    CHECK(read_all(path) == dual);
    CHECK(stat_of(path).st_ino != first.st_ino);
    CHECK(std::distance(fs::directory_iterator(conf.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("wharf add on the written conflist and installed plugins gives the pod an address of the pod CIDR") {
    install_world w;
    agent::install_plugins(w.source.path(), w.target.path());
    temp_dir state{"wk8-state"};
    const std::string conf_dir = state.path() + "/conf";
    const std::string subnet = subnet_v4();
    agent::write_conflist(conf_dir, agent::render_conflist({.pod_cidrs = agent::parse_pod_cidrs(subnet),
                                                            .mtu = std::nullopt}));
    fs::create_directories(state.path() + "/var-lib/cni");
    netns_sandbox host("wk8");
    netns_sandbox pod("wk8");

    // In the throwaway host namespace and a private mount namespace whose /var/lib is ours.
    const auto run_wharf = [&](const std::string& verb, int* rc) {
        return run_shell("nsenter --net=" + host.path() + " unshare -m --propagation private sh -c 'mount --bind " +
                             state.path() + "/var-lib /var/lib && exec env NETCONFPATH=" + conf_dir +
                             " CNI_PATH=" + w.target.path() + " WHARF_CACHE_DIR=" + state.path() +
                             "/cache WHARF_STATE_DIR=" + state.path() + "/wharf-state WHARF_RUN_DIR=" +
                             state.path() + "/run " + WHARF_BIN_DIR "/wharf " + verb + " wharf " + pod.path() +
                             "' 2>&1",
                         rc);
    };
    int rc = -1;
    const auto added = run_wharf("add", &rc);
    REQUIRE_MESSAGE(rc == 0, added);
    const std::string prefix = subnet.substr(0, subnet.rfind(".0/24") + 1);  // "10.238.N."
    CHECK_MESSAGE(added.find("\"" + prefix) != std::string::npos, added);
    const auto addr = pod.exec("ip -4 -o addr show dev eth0");
    CHECK_MESSAGE(addr.find(" " + prefix) != std::string::npos, addr);
    CHECK(fs::exists(state.path() + "/var-lib/cni/networks/wharf"));

    const auto deleted = run_wharf("del", &rc);
    CHECK_MESSAGE(rc == 0, deleted);
    int ip_rc = -1;
    pod.exec("ip link show dev eth0 2>/dev/null", &ip_rc);
    CHECK(ip_rc != 0);
    std::size_t leases = 0;
    for (const auto& e : fs::directory_iterator(state.path() + "/var-lib/cni/networks/wharf"))
        leases += e.path().filename().string().rfind(prefix, 0) == 0;
    CHECK(leases == 0);
}
