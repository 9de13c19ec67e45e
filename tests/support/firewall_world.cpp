#include "support/firewall_world.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>

namespace wharf::test {

using nlohmann::json;

namespace {

std::atomic<unsigned> worlds{0};


}  // namespace

firewall_world::firewall_world() {
    third_octet_ = (static_cast<unsigned>(getpid()) * 3 + worlds.fetch_add(1)) % 256;
    char tmpl[] = "/tmp/wfw-ipam-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    data_dir = tmpl;
    firewall_env["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + data_dir + "/no-system-bus";
    // The outside link: 10.64.y.128/30, beside network 2's 10.64.y.0/25.
    const std::string base = "10.64." + std::to_string(third_octet_) + ".";
    host_ip = base + "129";
    outside_ip = base + "130";
    outside = std::make_unique<netns_sandbox>("wfwo");
    const std::string h = unique_name("wfwu"), x = unique_name("wfwd");
    int rc = 0;
    run_shell("ip link add " + h + " netns " + host.name() + " type veth peer name " + x + " netns " + outside->name() +
                  " 2>&1",
              &rc);
    if (rc != 0) throw std::runtime_error("cannot create the outside link");
    in_host("ip addr add " + host_ip + "/30 dev " + h + " && ip link set " + h + " up && ip link set lo up && "
            "sysctl -qw net.ipv4.ip_forward=1");
    std::string routes = "ip addr add " + outside_ip + "/30 dev " + x + " && ip link set " + x + " up && ip link set lo up";
    for (const char* second : {"62", "63", "64"})
        routes += " && ip route add 10." + std::string(second) + "." + std::to_string(third_octet_) + ".0/25 via " + host_ip;
    in_netns(*outside, routes);
}

firewall_world::~firewall_world() {
    containers_.clear();
    outside.reset();
    run_shell("rm -rf '" + data_dir + "'");
}

const fw_network& firewall_world::network(unsigned index, const std::string& policy) {
    auto n = std::make_unique<fw_network>();
    n->name = unique_name("wfwn");
    n->bridge = unique_name("wfwb");
    n->subnet = "10." + std::to_string(62 + index) + "." + std::to_string(third_octet_) + ".0/25";
    n->policy = policy;
    networks_.push_back(std::move(n));
    return *networks_.back();
}

json firewall_world::bridge_conf(const fw_network& n, const std::string& version) const {
    return {{"cniVersion", version}, {"name", n.name}, {"type", "bridge"}, {"bridge", n.bridge},
            {"isGateway", true}, {"isDefaultGateway", true}, {"ipMasq", false},
            {"ipam", {{"type", "host-local"}, {"dataDir", data_dir}, {"ranges", json::array({json::array({{{"subnet", n.subnet}}})})}}}};
}

json firewall_world::firewall_conf(const fw_network& n, const json& prev, const std::string& version) const {
    json c = {{"cniVersion", version}, {"name", n.name}, {"type", "firewall"}, {"backend", ""}};
    if (!n.policy.empty()) c["ingressPolicy"] = n.policy;
    if (!prev.is_null()) c["prevResult"] = prev;
    return c;
}

run_result firewall_world::firewall(const std::string& command, const json& conf, const fw_container& c) const {
    cni_call call{.command = command, .container_id = c.id, .netns = c.ns->path(), .extra_env = firewall_env};
    return run_plugin_in(host.name(), plugin_path("firewall"), call, conf.dump());
}

run_result firewall_world::bridge(const std::string& command, const json& conf, const fw_container& c) const {
    cni_call call{.command = command, .container_id = c.id, .netns = c.ns->path()};
    return run_plugin_in(host.name(), plugin_path("bridge"), call, conf.dump());
}

fw_container firewall_world::attach(const fw_network& n, const std::string& id, bool with_firewall, const std::string& version) {
    containers_.push_back(std::make_unique<netns_sandbox>("wfwc"));
    fw_container c{.ns = containers_.back().get(), .id = id, .net = &n};
    auto r = bridge("ADD", bridge_conf(n, version), c);
    REQUIRE_MESSAGE(r.exit_code == 0, "bridge ADD: ", r.out, r.err);
    c.bridge_result = r.json();
    c.ip = ip_of(c.bridge_result);
    if (with_firewall) {
        auto f = firewall("ADD", firewall_conf(n, c.bridge_result, version), c);
        REQUIRE_MESSAGE(f.exit_code == 0, "firewall ADD: ", f.out, f.err);
        CHECK(f.json() == c.bridge_result);  // prevResult passes through unchanged
    }
    return c;
}

void firewall_world::detach(const fw_container& c, const std::string& version) {
    auto f = firewall("DEL", firewall_conf(*c.net, c.bridge_result, version), c);
    REQUIRE_MESSAGE(f.exit_code == 0, "firewall DEL: ", f.out, f.err);
    auto b = bridge("DEL", bridge_conf(*c.net, version), c);
    REQUIRE_MESSAGE(b.exit_code == 0, "bridge DEL: ", b.out, b.err);
}

void firewall_world::drop_forwarding(bool v6) const {
    int rc = -1;
    in_host(std::string("iptables-nft -P FORWARD DROP") + (v6 ? " && ip6tables-nft -P FORWARD DROP" : ""), &rc);
    REQUIRE(rc == 0);
}

std::string firewall_world::ruleset() const { return in_host("nft list ruleset 2>/dev/null"); }

}  // namespace wharf::test
