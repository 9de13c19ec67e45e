// The tuning plugin's config: every key, the reference's precedence for the MAC, CNI_ARGS, and the
// refusals (code, msg, details) that come before anything is changed.
#include <doctest/doctest.h>

#include "cni/error.hpp"
#include "json/json.hpp"
#include "tuning_conf.hpp"

using namespace wharf;
using namespace wharf::tuning;
using nlohmann::json;

namespace {

struct input {
    json extra = json::object();
    std::string cni_args;
    cni::command cmd = cni::command::add;
    std::string ifname = "eth0";
};

std::string config_text(const json& extra) {
    json doc = {{"cniVersion", "1.1.0"}, {"name", "net1"}, {"type", "tuning"}};
    doc.merge_patch(extra);
    return doc.dump();
}

tuning_conf parse_text(const std::string& text, const input& in) {
    cni::request req;
    req.cmd = in.cmd;
    req.ifname = in.ifname;
    req.args_raw = in.cni_args;
    std::size_t start = 0;
    while (start < in.cni_args.size()) {
        std::size_t end = in.cni_args.find(';', start);
        if (end == std::string::npos) end = in.cni_args.size();
        const std::string pair = in.cni_args.substr(start, end - start);
        const auto eq = pair.find('=');
        req.args.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
        start = end + 1;
    }
    return parse_tuning_conf(cni::parse_net_conf(text, in.cmd), req, text);
}

tuning_conf parse(const input& in) { return parse_text(config_text(in.extra), in); }

// The refusal of `in`: code, msg and details joined by " | ".
std::string refusal_text(const std::string& text, const input& in) {
    try {
        parse_text(text, in);
        return "accepted";
    } catch (const cni::error& e) {
        return std::to_string(e.number()) + " | " + e.what() + " | " + e.details();
    }
}
std::string refusal(const input& in) { return refusal_text(config_text(in.extra), in); }

net::mac mac(const char* text) { return *net::mac::parse(text); }

}  // namespace

TEST_CASE("no keys (Podman's tuning): nothing to change, the reference's dataDir") {
    const tuning_conf c = parse({});
    CHECK(c.empty());
    CHECK(c.data_dir == "/run/cni/tuning");
    CHECK_FALSE(c.promisc);
}

TEST_CASE("every key is read, case as Go reads it; sysctl paths for the interface, in key order") {
    const tuning_conf c = parse({.extra = json::parse(R"({
        "dataDir": "/tmp/t", "mac": "02:AA:bb:cc:dd:01", "mtu": 1400, "Promisc": true, "allmulti": false,
        "txQLen": 0, "sysctl": {"net.ipv4.conf.IFNAME.arp_notify": "1", "net.core.somaxconn": "512"}})"),
                                 .ifname = "net1"});
    CHECK(c.data_dir == "/tmp/t");
    CHECK(c.mac == mac("02:aa:bb:cc:dd:01"));
    CHECK(c.mtu == 1400u);
    CHECK(c.promisc);
    CHECK(c.allmulti == false);  // given false: set off (unlike promisc false, which changes nothing)
    CHECK(c.txqlen == 0u);       // 0 is a length
    REQUIRE(c.sysctls.size() == 2);
    CHECK(c.sysctls[0] == sysctl_setting{"net.core.somaxconn", "net/core/somaxconn", "512"});
    CHECK(c.sysctls[1] == sysctl_setting{"net.ipv4.conf.IFNAME.arp_notify", "net/ipv4/conf/net1/arp_notify", "1"});
    CHECK(c.changes_link());
    CHECK(parse({.extra = {{"mtu", 0}}}).empty());  // the reference's zero value: unset
}

TEST_CASE("the MAC: the config, then CNI_ARGS MAC=, then runtimeConfig.mac, then args.cni.mac win") {
    const json conf_mac = {{"mac", "02:00:00:00:00:01"}};
    CHECK(parse({.extra = conf_mac}).mac == mac("02:00:00:00:00:01"));
    CHECK(parse({.extra = conf_mac, .cni_args = "MAC=02:00:00:00:00:02"}).mac == mac("02:00:00:00:00:02"));
    json rc = conf_mac;
    rc["runtimeConfig"] = {{"mac", "02:00:00:00:00:03"}};
    CHECK(parse({.extra = rc, .cni_args = "MAC=02:00:00:00:00:02"}).mac == mac("02:00:00:00:00:03"));
    json args = rc;
    args["args"] = {{"cni", {{"mac", "02:00:00:00:00:04"}}}};
    CHECK(parse({.extra = args, .cni_args = "MAC=02:00:00:00:00:02"}).mac == mac("02:00:00:00:00:04"));
    // Empty CNI_ARGS or runtimeConfig MACs change nothing; an empty args.cni.mac clears it, as in the reference.
    json empty_rc = conf_mac;
    empty_rc["runtimeConfig"] = {{"mac", ""}};
    CHECK(parse({.extra = empty_rc, .cni_args = "MAC="}).mac == mac("02:00:00:00:00:01"));
    json empty_args = conf_mac;
    empty_args["args"] = {{"cni", {{"mac", ""}}}};
    CHECK_FALSE(parse({.extra = empty_args}).mac);
}

TEST_CASE("args.cni: sysctls merged over the config's, and the interface keys override") {
    const tuning_conf c = parse({.extra = json::parse(R"({
        "mtu": 1400, "promisc": true, "sysctl": {"net.a.b": "1", "net.a.c": "2"},
        "args": {"cni": {"mtu": 1300, "promisc": false, "allmulti": true, "txQLen": 9,
                         "sysctl": {"net.a.c": "3", "net.a.d": "4"}}}})")});
    CHECK(c.mtu == 1300u);
    CHECK_FALSE(c.promisc);
    CHECK(c.allmulti == true);
    CHECK(c.txqlen == 9u);
    REQUIRE(c.sysctls.size() == 3);
    CHECK(c.sysctls[1].key == "net.a.c");
    CHECK(c.sysctls[1].value == "3");
    CHECK(c.sysctls[2].key == "net.a.d");
}

TEST_CASE("CNI_ARGS: unknown keys refused (code 4) unless IgnoreUnknown, Podman's and Kubernetes' arguments pass") {
    CHECK(refusal({.cni_args = "K8S_POD_NAME=web"}).starts_with("4 | CNI_ARGS: unknown args K8S_POD_NAME=web | "));
    CHECK(parse({.cni_args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web;MAC=02:00:00:00:00:07"}).mac ==
          mac("02:00:00:00:00:07"));
    CHECK(refusal({.cni_args = "MAC=zz"}) ==
          "4 | invalid network config: CNI_ARGS MAC \"zz\" is not a MAC address | CNI_ARGS=MAC=zz");
    // DEL goes on without per-request input it cannot read.
    CHECK_FALSE(parse({.cni_args = "K8S_POD_NAME=web;MAC=zz", .cmd = cni::command::del}).mac);
}

TEST_CASE("bad keys are code 7 naming the key and the value") {
    CHECK(refusal({.extra = {{"sysctl", {{"kernel.shmmax", "1"}}}}}) ==
          "7 | invalid network config: sysctl key \"kernel.shmmax\" does not start with \"net\" (only net.* keys of "
          "the container's namespace) | sysctl");
    CHECK(refusal({.extra = {{"sysctl", {{"net/../kernel/x", "1"}}}}}).starts_with("7 | invalid network config: sysctl key \"net/../kernel/x\" holds \"..\""));
    CHECK(refusal({.extra = {{"sysctl", {{"net.a.b", 1}}}}}) ==
          "7 | invalid network config: sysctl.net.a.b must be a string, not 1 | sysctl.net.a.b");
    CHECK(refusal({.extra = {{"sysctl", "net.a.b=1"}}}).starts_with("7 | invalid network config: sysctl must be an object"));
    CHECK(refusal({.extra = {{"args", {{"cni", {{"sysctl", {{"vm.swappiness", "1"}}}}}}}}}).starts_with(
        "7 | invalid network config: args.cni.sysctl key \"vm.swappiness\" does not start with \"net\""));
    CHECK(refusal_text(R"({"cniVersion":"1.1.0","name":"n","type":"tuning","sysctl":{"net.a.b":"1","net.a.b":"0"}})", {}) ==
          "7 | invalid network config: sysctl key \"net.a.b\" is given more than once | sysctl");
    CHECK(refusal({.extra = {{"mac", "02:00:00:00:00"}}}) ==
          "7 | invalid network config: mac \"02:00:00:00:00\" is not a MAC address | mac");
    CHECK(refusal({.extra = {{"mac", "01:00:5e:00:00:01"}}})== "7 | invalid network config: mac \"01:00:5e:00:00:01\" is not a unicast MAC address | mac");
    CHECK(refusal({.extra = {{"mtu", -1}}}).starts_with("7 | invalid network config: mtu is -1, outside 0.."));
    CHECK(refusal({.extra = {{"txQLen", -5}}}).starts_with("7 | invalid network config: txQLen is -5, outside 0.."));
    CHECK(refusal({.extra = {{"promisc", "yes"}}}).starts_with("7 | invalid network config: promisc must be true or false"));
    CHECK(refusal({.extra = {{"allmulti", 1}}}).starts_with("7 | invalid network config: allmulti must be true or false"));
    CHECK(refusal({.extra = {{"dataDir", 5}}}).starts_with("7 | invalid network config: dataDir must be a string"));
}
