// The runtime's chain discipline, the result cache and version negotiation, with recording plugins
// (tiny scripts that log each call and keep its stdin): no root, no kernel state.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/base64.hpp"
#include "cli/conf_loader.hpp"
#include "cli/result_cache.hpp"
#include "cli/runtime.hpp"

using namespace wharf::cli;
using wharf::base64_decode;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A directory of recording plugins: each call appends "<COMMAND> <plugin>" to log and keeps stdin in
// <plugin>-<COMMAND>.json. ADD returns a result naming the plugin; VERSION the given versions.
using plugin_list = std::vector<std::pair<std::string, std::string>>;

struct recorder {
    std::string dir;
    explicit recorder(const plugin_list& plugins) {
        std::string t = "/tmp/wharf-cli-chain-XXXXXX";
        REQUIRE(mkdtemp(t.data()));
        dir = t;
        for (const auto& [name, versions] : plugins) {
            std::string path = dir + "/" + name;
            std::ofstream(path) << "#!/bin/sh\n"
                                   "in=$(cat)\n"
                                   "echo \"$CNI_COMMAND " << name << " $CNI_CONTAINERID $CNI_IFNAME $CNI_ARGS\" >> " << dir << "/log\n"
                                   "printf '%s' \"$in\" > " << dir << "/" << name << "-$CNI_COMMAND.json\n"
                                   "case $CNI_COMMAND in\n"
                                   "VERSION) echo '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":" << versions << "}';;\n"
                                   "ADD) echo '{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"" << name
                                << "\",\"sandbox\":\"/x\"}],\"ips\":[{\"address\":\"10.0.0.2/24\",\"interface\":0}]}';;\n"
                                   "esac\n";
            ::chmod(path.c_str(), 0755);
        }
    }
    ~recorder() { fs::remove_all(dir); }
    json stdin_of(const std::string& plugin, const std::string& cmd) const { return json::parse(slurp(dir + "/" + plugin + "-" + cmd + ".json")); }
    std::string log() const { return slurp(dir + "/log"); }
};

const char* all_versions = R"(["0.3.1","0.4.0","1.0.0","1.1.0"])";

network_list two_plugins(const std::string& version = "1.0.0") {
    return parse_conflist(R"({"cniVersion":")" + version + R"(","name":"chain","plugins":[
        {"type":"rec-a","capabilities":{"portMappings":true,"ips":false}},
        {"type":"rec-b","capabilities":{"bandwidth":true}}]})", "");
}

}  // namespace

TEST_CASE("a plugin's type and capabilities may be spelled in any case; capability arguments still reach it") {
    recorder r(plugin_list{{"rec-a", all_versions}});
    runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});
    runtime_conf conf{.container_id = "ctr2", .netns = "/run/netns/x", .ifname = "eth0",
                      .capability_args = {{"portMappings", json::array({{{"hostPort", 2}}})}}};
    auto list = parse_conflist(R"({"cniVersion":"1.0.0","name":"mixed","plugins":[
        {"Type":"rec-a","Capabilities":{"portMappings":true}}]})", "");
    rt.add(list, conf);
    CHECK(r.stdin_of("rec-a", "ADD")["runtimeConfig"] == json{{"portMappings", json::array({{{"hostPort", 2}}})}});
    rt.del(list, conf);
}

TEST_CASE("ADD in order with prevResult, CHECK and DEL with the cached result, DEL in reverse") {
    recorder r(plugin_list{{"rec-a", all_versions}, {"rec-b", all_versions}});
    runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});
    runtime_conf conf{.container_id = "ctr1", .netns = "/run/netns/x", .ifname = "eth0", .args = {{"K", "V"}},
                      .capability_args = {{"portMappings", json::array({{{"hostPort", 1}}})}, {"ips", json::array({"10.0.0.9"})}}};
    auto list = two_plugins();
    json result = rt.add(list, conf);
    CHECK(result["interfaces"][0]["name"] == "rec-b");

    json a_add = r.stdin_of("rec-a", "ADD"), b_add = r.stdin_of("rec-b", "ADD");
    CHECK(a_add["name"] == "chain");
    CHECK(a_add["cniVersion"] == "1.0.0");
    CHECK_FALSE(a_add.contains("prevResult"));
    CHECK(a_add["runtimeConfig"] == json{{"portMappings", json::array({{{"hostPort", 1}}})}});  // ips not declared true
    CHECK(b_add["prevResult"]["interfaces"][0]["name"] == "rec-a");
    CHECK_FALSE(b_add.contains("runtimeConfig"));

    // The cache entry, in libcni's format and place.
    std::string path = r.dir + "/cache/results/chain-ctr1-eth0";
    REQUIRE(fs::exists(path));
    json cached = json::parse(slurp(path));
    CHECK(cached["kind"] == "cniCacheV1");
    CHECK(cached["containerId"] == "ctr1");
    CHECK(cached["ifName"] == "eth0");
    CHECK(cached["networkName"] == "chain");
    CHECK(cached["netns"] == "/run/netns/x");
    CHECK(cached["cniArgs"] == json::parse(R"([["K","V"]])"));
    CHECK(base64_decode(cached["config"].get<std::string>()) == list.bytes);
    CHECK(cached["result"]["interfaces"][0]["name"] == "rec-b");
    CHECK((fs::status(path).permissions() & fs::perms::group_all) == fs::perms::none);

    rt.check(list, conf);
    CHECK(r.stdin_of("rec-a", "CHECK")["prevResult"]["interfaces"][0]["name"] == "rec-b");

    rt.del(list, conf);
    CHECK(r.stdin_of("rec-a", "DEL")["prevResult"]["interfaces"][0]["name"] == "rec-b");
    CHECK_FALSE(fs::exists(path));

    std::string log = r.log();
    auto pos = [&](const std::string& s) { return log.find(s); };
    CHECK(pos("ADD rec-a ctr1 eth0 K=V") < pos("ADD rec-b"));
    CHECK(pos("CHECK rec-a") < pos("CHECK rec-b"));
    CHECK(pos("DEL rec-b") < pos("DEL rec-a"));
}

TEST_CASE("disableCheck skips the plugins; CHECK on 0.3.1 is refused; DEL without a cache has no prevResult") {
    recorder r(plugin_list{{"rec-a", all_versions}, {"rec-b", all_versions}});
    runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});
    auto list = parse_conflist(R"({"cniVersion":"1.0.0","name":"n","disableCheck":true,"plugins":[{"type":"rec-a"}]})", "");
    runtime_conf conf{.container_id = "c", .netns = "/x"};
    rt.check(list, conf);
    CHECK(r.log().find("CHECK") == std::string::npos);
    auto old = parse_conflist(R"({"cniVersion":"0.3.1","name":"o","plugins":[{"type":"rec-a"}]})", "");
    CHECK_THROWS_AS(rt.check(old, conf), failure);
    rt.del(list, conf);
    CHECK_FALSE(r.stdin_of("rec-a", "DEL").contains("prevResult"));
}

TEST_CASE("version negotiation: the list's version when all speak it, else the highest common one") {
    CHECK(negotiate_version("1.1.0", {{"1.0.0", "1.1.0"}, {"1.1.0"}}) == "1.1.0");
    CHECK(negotiate_version("1.1.0", {{"0.4.0", "1.0.0", "1.1.0"}, {"0.4.0", "1.0.0"}}) == "1.0.0");
    CHECK(negotiate_version("0.4.0", {{"1.0.0"}}) == std::nullopt);

    recorder r(plugin_list{{"rec-a", all_versions}, {"rec-b", R"(["0.3.1","0.4.0","1.0.0"])"}});
    runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});
    auto list = two_plugins("1.1.0");
    CHECK(rt.chain_version(list) == "1.0.0");
    rt.add(list, {.container_id = "c", .netns = "/x"});
    CHECK(r.stdin_of("rec-a", "ADD")["cniVersion"] == "1.0.0");
}

TEST_CASE("VERSION answers are kept on disk while the binary is unchanged") {
    recorder r(plugin_list{{"rec-a", all_versions}, {"rec-b", R"(["0.3.1","0.4.0","1.0.0"])"}});
    auto list = two_plugins("1.1.0");
    auto version_calls = [&] {
        std::string log = r.log();
        std::size_t n = 0;
        for (std::size_t at = log.find("VERSION "); at != std::string::npos; at = log.find("VERSION ", at + 1)) ++n;
        return n;
    };
    {
        runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});
        CHECK(rt.chain_version(list) == "1.0.0");
    }
    CHECK(version_calls() == 2);
    CHECK(fs::exists(r.dir + "/cache/wharf/plugin-versions.json"));
    {
        runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});  // a new process, as the next call
        CHECK(rt.chain_version(list) == "1.0.0");
    }
    CHECK(version_calls() == 2);

    // An upgraded plugin (rewritten in place: a new mtime) is asked again, and its new answer counts.
    std::string b = r.dir + "/rec-b";
    std::string script = slurp(b);
    script.replace(script.find(R"(["0.3.1","0.4.0","1.0.0"])"), 25, R"(["0.3.1","0.4.0","1.1.0"])");
    std::ofstream(b, std::ios::trunc) << script;
    struct timespec later[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    ::utimensat(AT_FDCWD, b.c_str(), later, 0);
    {
        runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});
        CHECK(rt.chain_version(list) == "1.1.0");
    }
    CHECK(version_calls() == 3);

    // A corrupt cache file is a miss, not an error.
    std::ofstream(r.dir + "/cache/wharf/plugin-versions.json", std::ios::trunc) << "{not json";
    {
        runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});
        CHECK(rt.chain_version(list) == "1.1.0");
    }
    CHECK(version_calls() == 5);
}

TEST_CASE("GC DELs stale cached attachments and sends the valid ones (1.1.0)") {
    recorder r(plugin_list{{"rec-a", all_versions}, {"rec-b", all_versions}});
    runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});
    auto list = two_plugins("1.1.0");
    rt.add(list, {.container_id = "keep", .netns = "/x"});
    rt.add(list, {.container_id = "stale", .netns = "/y"});
    rt.gc(list, {{"keep", "eth0"}});
    CHECK(rt.cache().load("chain", "keep", "eth0"));
    CHECK_FALSE(rt.cache().load("chain", "stale", "eth0"));
    CHECK(r.log().find("DEL rec-a stale") != std::string::npos);
    json gc = r.stdin_of("rec-b", "GC");
    CHECK(gc["cni.dev/valid-attachments"] == json::parse(R"([{"containerID":"keep","ifname":"eth0"}])"));
    rt.status(list);
    CHECK(r.log().find("STATUS rec-b") != std::string::npos);
}

TEST_CASE("a plugin's error object becomes a failure naming the plugin and the CNI code") {
    recorder r(plugin_list{});
    std::string path = r.dir + "/bad";
    std::ofstream(path) << "#!/bin/sh\ncat >/dev/null\n[ \"$CNI_COMMAND\" = VERSION ] && { echo '{\"supportedVersions\":[\"1.0.0\"]}'; exit 0; }\n"
                           "echo '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"bad config\",\"details\":\"key x\"}'; exit 1\n";
    ::chmod(path.c_str(), 0755);
    runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});
    auto list = parse_conflist(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bad"}]})", "");
    try {
        rt.add(list, {.container_id = "c", .netns = "/x"});
        FAIL("no error");
    } catch (const plugin_failure& f) {
        CHECK(f.cni_code() == 7);
        CHECK(std::string(f.what()) == "plugin type=\"bad\" failed (add): bad config; key x [CNI error 7]");
    }
    CHECK_FALSE(fs::exists(r.dir + "/cache/results/n-c-eth0"));
    auto missing = parse_conflist(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"nope"}]})", "");
    CHECK_THROWS_AS(rt.add(missing, {.container_id = "c", .netns = "/x"}), failure);
}

TEST_CASE("invalid container IDs and interface names are refused before any plugin runs") {
    recorder r(plugin_list{{"rec-a", all_versions}});
    runtime rt({.path = {r.dir}, .cache_dir = r.dir + "/cache"});
    auto list = parse_conflist(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"rec-a"}]})", "");
    CHECK_THROWS_AS(rt.add(list, {.container_id = "bad id", .netns = "/x"}), failure);
    CHECK_THROWS_AS(rt.add(list, {.container_id = "c", .netns = "/x", .ifname = "much-too-long-name0"}), failure);
    CHECK_FALSE(fs::exists(r.dir + "/log"));
}

TEST_CASE("cache entries: round trip, attachments sorted and filtered") {
    cache_entry e{.container_id = "c", .network = "n", .ifname = "eth1", .config = "{}", .netns = "/x",
                  .cni_args = {{"A", "B"}}, .capability_args = {{"mac", "aa"}}, .result = {{"cniVersion", "1.0.0"}}};
    auto back = cache_entry_from_json(to_json(e));
    REQUIRE(back);
    CHECK(back->cni_args == e.cni_args);
    CHECK(back->capability_args == e.capability_args);
    CHECK(back->config == "{}");
    CHECK_FALSE(cache_entry_from_json(json{{"kind", "other"}}));
    // Found by fuzz/result_cache: a "kind" that is not a string threw nlohmann's type_error; like
    // libcni, such a file is no cache entry.
    CHECK_FALSE(cache_entry_from_json(json{{"kind", 1}}));
    CHECK_FALSE(cache_entry_from_json(json{{"kind", nullptr}, {"containerId", "c"}}));

    recorder r(plugin_list{});
    result_cache cache(r.dir + "/cache");
    cache.store({.container_id = "b", .network = "n", .ifname = "eth0"});
    cache.store({.container_id = "a", .network = "n", .ifname = "eth0"});
    cache.store({.container_id = "a", .network = "m", .ifname = "eth1"});
    auto all = cache.attachments();
    REQUIRE(all.size() == 3);
    CHECK(all[0].network == "m");
    CHECK(cache.attachments("a").size() == 2);
    CHECK(cache.remove("n", "b", "eth0"));
    CHECK_FALSE(cache.remove("n", "b", "eth0"));
}
