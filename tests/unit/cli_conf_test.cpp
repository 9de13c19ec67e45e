// wharf's configuration loading against libcni's rules, and the small parsers of the command line.
#include <doctest/doctest.h>

#include <cstdio>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cli/args.hpp"
#include "cli/capability_args.hpp"
#include "cli/conf_loader.hpp"
#include "cli/container_id.hpp"
#include "cli/failure.hpp"
#include "cli/plugin_exec.hpp"
#include "cli/port_mapping.hpp"
#include "cli/sha512.hpp"

using namespace wharf::cli;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    std::string path;
    temp_dir() {
        std::string t = "/tmp/wharf-cli-conf-XXXXXX";
        REQUIRE(mkdtemp(t.data()));
        path = t;
    }
    ~temp_dir() { fs::remove_all(path); }
    void write(const std::string& name, const std::string& text) const {
        fs::create_directories(fs::path(path + "/" + name).parent_path());
        std::ofstream(path + "/" + name) << text;
    }
};

exit_code code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const failure& f) {
        return f.code();
    }
    return exit_code::ok;
}

std::string list_of(const std::string& name, const std::string& type) {
    return R"({"cniVersion":"1.0.0","name":")" + name + R"(","plugins":[{"type":")" + type + R"("}]})";
}

}  // namespace

TEST_CASE("conflists are searched first, sorted by file name; the first match wins") {
    temp_dir d;
    d.write("20-b.conflist", list_of("net", "second"));
    d.write("10-a.conflist", list_of("net", "first"));
    d.write("05-single.conf", R"({"cniVersion":"1.0.0","name":"net","type":"single"})");
    auto l = load_network(d.path, "net");
    CHECK(l.plugins.at(0)["type"] == "first");
    CHECK(l.file == d.path + "/10-a.conflist");
    auto files = config_files(d.path);
    REQUIRE(files.size() == 3);
    CHECK(files[0] == d.path + "/10-a.conflist");
    CHECK(files[2] == d.path + "/05-single.conf");
}

TEST_CASE(".conf and .json single plugins are wrapped as one-plugin lists, libcni's bytes") {
    temp_dir d;
    d.write("30-x.json", R"({"cniVersion":"0.4.0","name":"js","type":"loopback"})");
    d.write("40-y.conf", R"({"cniVersion":"1.0.0","name":"cf","type":"bridge","bridge":"b0"})");
    auto l = load_network(d.path, "js");
    CHECK(l.cni_version == "0.4.0");
    REQUIRE(l.plugins.size() == 1);
    CHECK(l.bytes == R"({"cniVersion":"0.4.0","name":"js","plugins":[{"cniVersion":"0.4.0","name":"js","type":"loopback"}]})");
    CHECK(load_network(d.path, "cf").plugins[0]["bridge"] == "b0");
}

TEST_CASE("conflist bytes are the file's own bytes") {
    temp_dir d;
    std::string text = "{ \"cniVersion\": \"1.1.0\", \"name\": \"n\",\n  \"plugins\": [ {\"type\": \"loopback\"} ] }\n";
    d.write("10.conflist", text);
    CHECK(load_network(d.path, "n").bytes == text);
}

TEST_CASE("errors: none at all, no such name, a broken file stops the search naming it") {
    temp_dir d;
    CHECK(code_of([&] { load_network(d.path, "x"); }) == exit_code::not_found);
    CHECK(code_of([&] { load_network(d.path + "/missing", "x"); }) == exit_code::not_found);
    d.write("10.conflist", list_of("a", "t"));
    try {
        load_network(d.path, "b");
        FAIL("no error");
    } catch (const failure& f) {
        CHECK(f.code() == exit_code::not_found);
        CHECK(std::string(f.what()).find("no net configuration with name \"b\"") != std::string::npos);
    }
    d.write("05-broken.conflist", "{not json");
    try {
        load_network(d.path, "a");
        FAIL("no error");
    } catch (const failure& f) {
        CHECK(f.code() == exit_code::invalid_config);
        CHECK(std::string(f.what()).find("05-broken.conflist") != std::string::npos);
    }
}

TEST_CASE("conflist keys: cniVersions, disableCheck as string, missing type, empty plugins") {
    auto l = parse_conflist(R"({"cniVersion":"0.4.0","cniVersions":["1.0.0","9.9.9"],"name":"n","disableCheck":"TRUE",
                                "disableGC":true,"plugins":[{"type":"a"}]})", "");
    CHECK(l.cni_version == "1.0.0");
    CHECK(l.disable_check);
    CHECK(l.disable_gc);
    CHECK(code_of([] { parse_conflist(R"({"name":"n","plugins":[{"x":1}]})", "f"); }) == exit_code::invalid_config);
    CHECK(code_of([] { parse_conflist(R"({"name":"n","plugins":[]})", "f"); }) == exit_code::invalid_config);
    CHECK(code_of([] { parse_conflist(R"({"plugins":[{"type":"a"}]})", "f"); }) == exit_code::invalid_config);
    CHECK(code_of([] { parse_conflist(R"({"name":"n","disableCheck":"maybe","plugins":[{"type":"a"}]})", "f") ; }) ==
          exit_code::invalid_config);
}

TEST_CASE("a plugin's type and capabilities in any case, as libcni decodes them; capability names exact") {
    auto l = parse_conflist(R"({"cniVersion":"1.0.0","name":"n","plugins":[
        {"Type":"bridge","Capabilities":{"portMappings":true}},{"TYPE":"portmap"}]})", "");
    REQUIRE(l.plugins.size() == 2);
    CHECK(plugin_type(l.plugins[0]) == "bridge");
    CHECK(plugin_type(l.plugins[1]) == "portmap");
    CHECK(plugin_capabilities(l.plugins[0]) == json{{"portMappings", true}});
    CHECK(plugin_capabilities(l.plugins[1]) == json::object());
    CHECK(plugin_type(json{{"type", "exact"}, {"Type", "folded"}}) == "exact");
    // The list's own keys are exact in libcni: "Name" is not the list's name.
    CHECK(code_of([] { parse_conflist(R"({"Name":"n","plugins":[{"type":"a"}]})", "f"); }) == exit_code::invalid_config);
}

TEST_CASE("a conflist without inline plugins takes them from <dir>/<name>/*.conf") {
    temp_dir d;
    d.write("10.conflist", R"({"cniVersion":"1.0.0","name":"split"})");
    d.write("split/2-b.conf", R"({"type":"second"})");
    d.write("split/1-a.conf", R"({"type":"first"})");
    auto l = load_network(d.path, "split");
    REQUIRE(l.plugins.size() == 2);
    CHECK(l.plugins[0]["type"] == "first");
    CHECK(l.plugins[1]["type"] == "second");
}

TEST_CASE("load_all lists every file, marks errors and shadowed names") {
    temp_dir d;
    d.write("10.conflist", list_of("a", "t"));
    d.write("20.conflist", "{");
    d.write("30.conf", R"({"name":"a","type":"t"})");
    auto all = load_all(d.path);
    REQUIRE(all.size() == 3);
    CHECK(all[0].list);
    CHECK_FALSE(all[1].list);
    CHECK_FALSE(all[1].problem.empty());
    CHECK(all[2].shadowed);
}

TEST_CASE("SHA-512 matches the FIPS 180-4 examples, across block boundaries") {
    auto hex = [](std::string_view data) {
        std::string out;
        char b[3];
        for (auto byte : wharf::cli::sha512(data)) {
            std::snprintf(b, sizeof b, "%02x", byte);
            out += b;
        }
        return out;
    };
    CHECK(hex("") == "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                     "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
    CHECK(hex("abc") == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    // 112 bytes: the padding needs a second block.
    CHECK(hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
              "mnopqrstnopqrstu") ==
          "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
          "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
    CHECK(hex(std::string(1000000, 'a')) == "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                                            "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

TEST_CASE("the container ID from a netns path is cnitool's") {
    CHECK(container_id_for_netns("/run/netns/example") == "cnitool-a5093532758aa99bad38");
}

TEST_CASE("port mappings as docker writes them") {
    using v = std::vector<port_mapping>;
    CHECK(parse_port_mappings("8080:80") == v{{8080, 80, "tcp", ""}});
    CHECK(parse_port_mappings("127.0.0.1:53:5353/udp") == v{{53, 5353, "udp", "127.0.0.1"}});
    CHECK(parse_port_mappings("[::1]:8443:443/tcp") == v{{8443, 443, "tcp", "::1"}});
    CHECK(to_json(parse_port_mappings("1:2/sctp").at(0)).dump() == R"({"containerPort":2,"hostPort":1,"protocol":"sctp"})");
    CHECK(to_string(parse_port_mappings("8080:80").at(0)) == "0.0.0.0:8080->80/tcp");
    for (const char* bad : {"80", "0:80", "70000:80", "a:b", "1:2/icmp", "nope:1:2", "1:2:3:4"})
        CHECK_MESSAGE(code_of([&] { parse_port_mappings(bad); }) == exit_code::usage, bad);
}

// Found by fuzz/result_cache: the cached portMappings `wharf inspect` and `wharf ps` show threw
// nlohmann's type_error for a key of the wrong type.
TEST_CASE("a port mapping read back from JSON: keys of the wrong type are refused, not thrown through") {
    CHECK(port_mapping_from_json(json{{"hostPort", 8080}, {"containerPort", 80}}) == port_mapping{8080, 80, "tcp", ""});
    CHECK(code_of([] { port_mapping_from_json(json{{"hostPort", "x"}}); }) == exit_code::failed);
    CHECK(code_of([] { port_mapping_from_json(json{{"protocol", 6}}); }) == exit_code::failed);
    CHECK(code_of([] { port_mapping_from_json(json::array({1})); }) == exit_code::failed);
}

TEST_CASE("port ranges publish pairwise, as docker's -p 8080-8082:80-82") {
    using v = std::vector<port_mapping>;
    CHECK(parse_port_mappings("8080-8082:80-82") == v{{8080, 80, "tcp", ""}, {8081, 81, "tcp", ""}, {8082, 82, "tcp", ""}});
    CHECK(parse_port_mappings("127.0.0.1:9000-9001:9000-9001/udp") == v{{9000, 9000, "udp", "127.0.0.1"}, {9001, 9001, "udp", "127.0.0.1"}});
    CHECK(parse_port_mappings("8080-8080:80") == v{{8080, 80, "tcp", ""}});
    for (const char* bad : {"8080-8082:80", "8080-8081:80-82", "8082-8080:80-82", "8080-:80", "-8080:80", "8080-8082-8084:80-82-84"})
        CHECK_MESSAGE(code_of([&] { parse_port_mappings(bad); }) == exit_code::usage, bad);
}

TEST_CASE("CNI_ARGS parse as cnitool parses them") {
    auto a = parse_cni_args("IgnoreUnknown=1;K8S_POD_NAME=x");
    REQUIRE(a.size() == 2);
    CHECK(a[1] == std::pair<std::string, std::string>{"K8S_POD_NAME", "x"});
    CHECK(join_cni_args(a) == "IgnoreUnknown=1;K8S_POD_NAME=x");
    for (const char* bad : {"A", "=1", "A=", "A=1;", "A=1=2"}) CHECK(code_of([&] { parse_cni_args(bad); }) == exit_code::usage);
}

TEST_CASE("the argument parser: options, values, --, unknown options") {
    std::vector<option_spec> specs = {{"-p", "--publish", true, "X", ""}, {"", "--rm", false, "", ""}};
    std::vector<std::string> argv = {"web", "-p", "1:2", "--publish=3:4", "--rm", "--", "ls", "-l"};
    auto a = parse_args(argv, specs);
    CHECK(a.positional == std::vector<std::string>{"web"});
    CHECK(a.values("--publish") == std::vector<std::string>{"1:2", "3:4"});
    CHECK(a.has("--rm"));
    CHECK(a.command == std::vector<std::string>{"ls", "-l"});
    std::vector<std::string> unknown = {"--nope"};
    CHECK(code_of([&] { parse_args(unknown, specs); }) == exit_code::usage);
    std::vector<std::string> missing = {"-p"};
    CHECK(code_of([&] { parse_args(missing, specs); }) == exit_code::usage);
}

// Found by fuzz/conflist (docs/fuzzing.md): nlohmann's value() threw its own type_error for these, which
// `wharf` reported as a failure of the command rather than as a malformed configuration.
TEST_CASE("a single-plugin conf's name of the wrong type is a malformed configuration; a bridge of the wrong type is no bridge") {
    CHECK(code_of([] { parse_single_conf(R"({"cniVersion":"1.0.0","name":5,"type":"t"})", "f"); }) == exit_code::invalid_config);
    CHECK(code_of([] { parse_single_conf(R"({"name":["n"],"type":"t"})", "f"); }) == exit_code::invalid_config);
    CHECK(parse_single_conf(R"({"name":null,"type":"t"})", "f").name.empty());  // null decodes as "", as in Go
    CHECK(parse_single_conf(R"({"name":"n","type":"t"})", "f").name == "n");
    CHECK(bridge_of(parse_conflist(R"({"name":"n","plugins":[{"type":"bridge","bridge":5}]})", "")).empty());
    CHECK(bridge_of(parse_conflist(R"({"name":"n","plugins":[{"type":"bridge","bridge":null}]})", "")) == "cni0");
    CHECK(bridge_of(parse_conflist(R"({"name":"n","plugins":[{"type":"bridge","bridge":"br9"}]})", "")) == "br9");
}

// Found by fuzz/capability_args: a --cap key that is not UTF-8 was accepted, and the JSON sent to the
// plugins could then not be written (nlohmann's type_error 316).
TEST_CASE("capability arguments: flags add to CAP_ARGS; a --cap key that is not UTF-8 is a usage error") {
    auto parse = [](std::vector<std::string> argv, const char* env) {
        return capability_args_from(parse_args(argv, capability_options()), env);
    };
    auto caps = parse({"-p", "8080:80", "--cap", "bandwidth={\"ingressRate\":1}"}, R"({"ips":["10.1.2.3"]})");
    CHECK(caps["portMappings"].size() == 1);
    CHECK(caps["bandwidth"]["ingressRate"] == 1);
    CHECK(caps["ips"] == json::array({"10.1.2.3"}));
    CHECK(code_of([&] { parse({"--cap", "k\xf5y={}"}, nullptr); }) == exit_code::usage);
    CHECK(code_of([&] { parse({"--cap", "key=nope"}, nullptr); }) == exit_code::usage);
    CHECK(code_of([&] { parse({}, "[1]"); }) == exit_code::usage);
}
