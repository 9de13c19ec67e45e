// The loopback plugin run as a separate process, exactly as a runtime runs it, for every spec version.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cni/version.hpp"
#include "support/plugin_runner.hpp"
#include "support/sandbox.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

std::string conf(std::string_view version) {
    return json{{"cniVersion", std::string(version)}, {"name", "lo-test"}, {"type", "loopback"}}.dump();
}

bool lo_is_up(const netns_sandbox& ns) {
    auto out = ns.exec("ip -j link show lo");
    auto j = json::parse(out);
    for (const auto& f : j.at(0).at("flags"))
        if (f == "UP") return true;
    return false;
}

run_result call(const std::string& cmd, const std::string& netns, std::string_view version) {
    cni_call c{.command = cmd, .netns = netns};
    return run_plugin(plugin_path("loopback"), c, conf(version));
}

}  // namespace

TEST_CASE("running as root") { REQUIRE(geteuid() == 0); }

TEST_CASE("VERSION lists every spec version from 0.1.0 to 1.1.0") {
    auto r = run_plugin(plugin_path("loopback"), {.command = "VERSION"}, "");
    REQUIRE(r.exit_code == 0);
    auto j = r.json();
    CHECK(j["cniVersion"] == "1.1.0");
    CHECK(j["supportedVersions"] == json::parse(R"(["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"])"));
    CHECK(r.err.empty());
}

TEST_CASE("ADD, CHECK, DEL, DEL again for every version") {
    for (auto version : wharf::cni::supported_versions) {
        INFO("cniVersion ", version);
        netns_sandbox ns("wlo");
        REQUIRE_FALSE(lo_is_up(ns));

        auto add = call("ADD", ns.path(), version);
        REQUIRE_MESSAGE(add.exit_code == 0, add.out, add.err);
        CHECK(lo_is_up(ns));
        auto j = add.json();
        CHECK(j["cniVersion"] == version);
        if (wharf::cni::version_at_least(version, "0.3.0")) {
            CHECK(j["interfaces"][0]["name"] == "lo");
            CHECK(j["interfaces"][0]["sandbox"] == ns.path());
            CHECK(j["ips"][0]["address"] == "127.0.0.1/8");
            CHECK(j["ips"][0]["interface"] == 0);
        } else {
            CHECK(j["ip4"]["ip"] == "127.0.0.1/8");
        }

        if (wharf::cni::version_at_least(version, "0.4.0")) {
            auto chk = call("CHECK", ns.path(), version);
            CHECK_MESSAGE(chk.exit_code == 0, chk.out);
            CHECK(chk.out.empty());
        }

        auto del = call("DEL", ns.path(), version);
        CHECK_MESSAGE(del.exit_code == 0, del.out);
        CHECK(del.out.empty());
        CHECK_FALSE(lo_is_up(ns));
        CHECK(call("DEL", ns.path(), version).exit_code == 0);
    }
}

TEST_CASE("CHECK fails when lo is down") {
    netns_sandbox ns("wlo");
    auto chk = call("CHECK", ns.path(), "1.1.0");
    CHECK(chk.exit_code != 0);
    auto j = chk.json();
    CHECK(j["msg"].get<std::string>().find("down") != std::string::npos);
    CHECK(j["code"].is_number());
}

TEST_CASE("DEL succeeds when the namespace is already gone or not given") {
    std::string path;
    {
        netns_sandbox ns("wlo");
        path = ns.path();
        REQUIRE(call("ADD", path, "1.0.0").exit_code == 0);
    }
    auto del = call("DEL", path, "1.0.0");
    CHECK_MESSAGE(del.exit_code == 0, del.out);
    cni_call no_ns{.command = "DEL"};
    CHECK(run_plugin(plugin_path("loopback"), no_ns, conf("1.0.0")).exit_code == 0);
}

TEST_CASE("chained after another plugin, loopback passes prevResult through") {
    netns_sandbox ns("wlo");
    json c = json::parse(conf("1.0.0"));
    c["prevResult"] = json::parse(R"({"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],
        "ips":[{"address":"10.9.0.2/24","interface":0}],"dns":{}})");
    auto add = run_plugin(plugin_path("loopback"), {.command = "ADD", .netns = ns.path()}, c.dump());
    REQUIRE_MESSAGE(add.exit_code == 0, add.out);
    CHECK(add.json()["ips"][0]["address"] == "10.9.0.2/24");
    CHECK(lo_is_up(ns));
}

TEST_CASE("STATUS and GC succeed") {
    auto status = run_plugin(plugin_path("loopback"), {.command = "STATUS", .set_container_id = false, .set_ifname = false},
                             conf("1.1.0"));
    CHECK_MESSAGE(status.exit_code == 0, status.out);
    auto gc = run_plugin(plugin_path("loopback"), {.command = "GC", .set_container_id = false, .set_ifname = false},
                         conf("1.1.0"));
    CHECK_MESSAGE(gc.exit_code == 0, gc.out);
}

TEST_CASE("bad input end to end: the right code, a msg, details, nothing on stderr's behalf on stdout") {
    netns_sandbox ns("wlo");
    struct bad_case {
        const char* what;
        cni_call call;
        std::string stdin_data;
        unsigned code;
    };
    char regular_file[] = "/tmp/wharf-notns-XXXXXX";
    int fd = mkstemp(regular_file);
    REQUIRE(fd >= 0);
    close(fd);
    std::vector<bad_case> cases = {
        {"no CNI_COMMAND", {.command = "", .netns = ns.path(), .extra_env = {{"CNI_COMMAND", "\x01"}}}, conf("1.0.0"), 4},
        {"unknown command", {.command = "FROB", .netns = ns.path()}, conf("1.0.0"), 4},
        {"no container id", {.command = "ADD", .netns = ns.path(), .set_container_id = false}, conf("1.0.0"), 4},
        {"no netns on ADD", {.command = "ADD"}, conf("1.0.0"), 4},
        {"bad ifname", {.command = "ADD", .netns = ns.path(), .ifname = "bad/name"}, conf("1.0.0"), 4},
        {"no CNI_PATH", {.command = "ADD", .netns = ns.path(), .set_path = false}, conf("1.0.0"), 4},
        {"bad CNI_ARGS", {.command = "ADD", .netns = ns.path(), .args = "FOO"}, conf("1.0.0"), 4},
        {"not JSON", {.command = "ADD", .netns = ns.path()}, "{nope", 6},
        {"unsupported version", {.command = "ADD", .netns = ns.path()}, conf("7.0.0"), 1},
        {"CHECK on 0.3.1", {.command = "CHECK", .netns = ns.path()}, conf("0.3.1"), 1},
        {"STATUS on 1.0.0", {.command = "STATUS"}, conf("1.0.0"), 1},
        {"missing name", {.command = "ADD", .netns = ns.path()}, R"({"cniVersion":"1.0.0","type":"loopback"})", 7},
        {"netns is a regular file", {.command = "ADD", .netns = regular_file}, conf("1.0.0"), 8},
        {"netns does not exist", {.command = "ADD", .netns = "/run/netns/wharf-does-not-exist"}, conf("1.0.0"), 8},
    };
    for (auto& c : cases) {
        INFO(c.what);
        if (c.call.command.empty()) c.call.command = "ADD";
        auto r = run_plugin(plugin_path("loopback"), c.call, c.stdin_data);
        CHECK(r.exit_code != 0);
        auto j = r.json();
        REQUIRE_MESSAGE(j.is_object(), "stdout: ", r.out);
        CHECK(j["code"] == c.code);
        CHECK(j["msg"].is_string());
        CHECK_FALSE(j["msg"].get<std::string>().empty());
        CHECK(j.contains("cniVersion"));
        CHECK(j.contains("details"));
    }
    unlink(regular_file);
    CHECK_FALSE(lo_is_up(ns));
}

// Starts `binary` as run_plugin does, but feeds its stdin `total` bytes of spaces from a small buffer,
// so that this process stays small: the child's peak RSS (from wait4) is then the plugin's own, not
// this process's memory that a vfork child borrows until it execs.
struct fed_run {
    std::string out;
    int status = -1;
    long max_rss_kib = -1;
};
fed_run run_fed(const std::string& binary, const cni_call& call, std::size_t total) {
    int in[2], out[2];
    REQUIRE(pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(pipe2(out, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<std::string> env = plugin_environment(call);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string path = binary;
    char* argv[] = {path.data(), nullptr};
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    REQUIRE(rc == 0);
    signal(SIGPIPE, SIG_IGN);
    const std::string chunk(1u << 20, ' ');
    for (std::size_t sent = 0; sent < total;) {
        const ssize_t n = write(in[1], chunk.data(), std::min(chunk.size(), total - sent));
        if (n <= 0) break;  // EPIPE: the plugin stopped reading
        sent += static_cast<std::size_t>(n);
    }
    close(in[1]);
    fed_run r;
    char buf[4096];
    for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) r.out.append(buf, static_cast<std::size_t>(n));
    close(out[0]);
    rusage usage{};
    REQUIRE(wait4(pid, &r.status, 0, &usage) == pid);
    r.max_rss_kib = usage.ru_maxrss;
    return r;
}

TEST_CASE("stdin is read up to 4 MiB: 100 MB of white space is refused in bounded memory") {
    netns_sandbox ns("wlo");
    auto r = run_fed(plugin_path("loopback"), {.command = "ADD", .netns = ns.path()}, 100u << 20);
    CHECK(WIFEXITED(r.status));
    CHECK(WEXITSTATUS(r.status) != 0);
    auto j = json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), "stdout: ", r.out);
    CHECK(j["code"] == 6);
    CHECK(j["details"].get<std::string>().find("4 MiB") != std::string::npos);
    // Against the same plugin fed 1 MiB (refused as not JSON): reading it all would add over 100 MiB.
    // Relative, because a sanitizer build's plugin starts several times larger.
    auto small = run_fed(plugin_path("loopback"), {.command = "ADD", .netns = ns.path()}, 1u << 20);
    CHECK(json::parse(small.out, nullptr, false)["code"] == 6);
    CHECK(r.max_rss_kib < small.max_rss_kib + 16 * 1024);
    CHECK_FALSE(lo_is_up(ns));
}

TEST_CASE("an environment variable that is not UTF-8 still gets a JSON error on stdout") {
    // An error message quotes CNI_CONTAINERID; its raw byte must not stop the error from being written.
    cni_call c{.command = "ADD", .container_id = "ab\x81", .netns = "/nonexistent"};
    auto r = run_plugin(plugin_path("loopback"), c, conf("1.0.0"));
    CHECK(r.exit_code == 1);
    json e = json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(e.is_object(), r.out, r.err);
    CHECK(e["code"] == 4);
    CHECK(e["msg"].get<std::string>().find("CNI_CONTAINERID") != std::string::npos);
}
