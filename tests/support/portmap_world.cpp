#include "support/portmap_world.hpp"

#include <doctest/doctest.h>

#include <sstream>

namespace wharf::test {

using nlohmann::json;

namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string bracket(const std::string& host) { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }

std::string address_of(const json& result, bool v6) {
    for (const auto& ip : result["ips"]) {
        std::string a = ip["address"];
        bool is6 = a.find(':') != std::string::npos;
        if (is6 == v6) return a.substr(0, a.find('/'));
    }
    return {};
}

}  // namespace

portmap_world::portmap_world() { w.outside(); }

portmap_world::~portmap_world() {
    for (const auto& pid : listener_pids_) run_shell("kill " + pid + " 2>/dev/null");
}

json portmap_world::bridge_conf(const std::string& network, bool dual, bool hairpin) const {
    json c = w.conf(network, dual);
    c["isDefaultGateway"] = true;
    c["hairpinMode"] = hairpin;
    return c;
}

json portmap_world::portmap_conf(const std::string& network, const json& mappings, const json& prev) const {
    json c = {{"cniVersion", "1.1.0"}, {"name", network}, {"type", "portmap"},
              {"capabilities", {{"portMappings", true}}}};
    if (!mappings.is_null()) c["runtimeConfig"] = {{"portMappings", mappings}};
    if (!prev.is_null()) c["prevResult"] = prev;
    return c;
}

attachment portmap_world::attach(const json& conf, const std::string& id, const netns_sandbox* ns, const std::string& ifname) {
    attachment a;
    a.ns = ns ? ns : &w.container("wpc");
    a.id = id;
    a.ifname = ifname;
    a.bridge_conf = conf;
    auto r = w.run("ADD", conf, a.ns->path(), id, ifname);
    REQUIRE_MESSAGE(r.exit_code == 0, "bridge ADD: ", r.out, r.err);
    a.bridge_result = r.json();
    a.ip4 = address_of(a.bridge_result, false);
    a.ip6 = address_of(a.bridge_result, true);
    return a;
}

run_result portmap_world::portmap(const std::string& command, const json& conf, const attachment& a) const {
    return portmap(command, conf, a.ns->path(), a.id, a.ifname);
}

run_result portmap_world::portmap(const std::string& command, const json& conf, const std::string& netns,
                                  const std::string& id, const std::string& ifname) const {
    return w.run(command, conf, netns, id, ifname, "", plugin_path("portmap"));
}

attachment portmap_world::publish(const json& conf, const std::string& id, const json& mappings) {
    attachment a = attach(conf, id);
    auto r = portmap("ADD", portmap_conf(conf["name"], mappings, a.bridge_result), a);
    REQUIRE_MESSAGE(r.exit_code == 0, "portmap ADD: ", r.out, r.err);
    CHECK(r.json() == a.bridge_result);  // prevResult passes through unchanged
    return a;
}

void portmap_world::listen(const netns_sandbox& ns, unsigned port, const std::string& reply) {
    const std::string p = std::to_string(port);
    for (const std::string kind : {"TCP6", "UDP6"}) {
        std::string cmd = "socat " + kind + "-LISTEN:" + p + ",ipv6only=0,fork,reuseaddr SYSTEM:'echo " + reply +
                          "' >/dev/null 2>&1 & echo $!";
        listener_pids_.push_back(trim(in_netns(ns, cmd)));
    }
    // Wait until both sockets are bound.
    in_netns(ns, "for i in $(seq 50); do ss -Hltn sport = :" + p + " | grep -q . && ss -Hlun sport = :" + p +
                     " | grep -q . && break; sleep 0.05; done");
}

std::string portmap_world::tcp(const netns_sandbox* ns, const std::string& host, unsigned port) const {
    const std::string cmd = "timeout 4 socat -T2 - TCP:" + bracket(host) + ":" + std::to_string(port) +
                            ",connect-timeout=2 </dev/null 2>/dev/null";
    return trim(ns ? in_netns(*ns, cmd) : w.in_host(cmd));
}

std::string portmap_world::udp(const netns_sandbox* ns, const std::string& host, unsigned port, const std::string& bind) const {
    const std::string cmd = "echo hello | timeout 4 socat -T1 - UDP:" + bracket(host) + ":" + std::to_string(port) +
                            (bind.empty() ? "" : ",bind=" + bind) + " 2>/dev/null";
    // UDP has no retransmission: a datagram sent while the neighbour entry is still being resolved
    // on a loaded machine can be lost, so a client tries three times before it counts as no answer.
    std::string answer;
    for (int attempt = 0; attempt < 3 && answer.empty(); ++attempt) answer = trim(ns ? in_netns(*ns, cmd) : w.in_host(cmd));
    return answer;
}

void portmap_world::enable_ipv6_outside(const std::string& subnet6) {
    std::string base = subnet6.substr(0, subnet6.find("::") + 2);  // "fd57:1a2b:3::"
    host_ip6 = base + "1";
    outside_ip6 = base + "2";
    const auto& out = w.outside();
    std::string host_if = trim(w.in_host("ip -o addr show to " + out.host_ip + " | awk '{print $2}'"));
    std::string out_if = trim(in_netns(*out.ns, "ip -o addr show to " + out.outside_ip + " | awk '{print $2}'"));
    w.in_host("ip addr add " + host_ip6 + "/64 dev " + host_if + " nodad");
    in_netns(*out.ns, "ip addr add " + outside_ip6 + "/64 dev " + out_if + " nodad && ip -6 route add default via " + host_ip6);
}

void portmap_world::route_outside(const std::string& subnet) {
    const auto& out = *w.outside().ns;
    in_netns(out, "ip route replace " + subnet + " via " + w.outside().host_ip);
}

std::string portmap_world::table() const { return w.in_host("nft list table inet wharf_portmap 2>/dev/null"); }

std::vector<std::string> portmap_world::elements(const std::string& map) const {
    std::string out = w.in_host("nft -j list map inet wharf_portmap " + map + " 2>/dev/null");
    std::vector<std::string> lines;
    auto j = json::parse(out, nullptr, false);
    if (j.is_discarded()) return lines;
    for (const auto& item : j["nftables"]) {
        if (!item.contains("map")) continue;
        for (const auto& e : item["map"].value("elem", json::array())) {
            // [ {"concat": [...]} or {"elem": {"val": ..., "comment": ...}}, data ]
            std::ostringstream s;
            json key = e[0].contains("elem") ? e[0]["elem"]["val"] : e[0];
            auto render = [](const json& v) {
                std::string t;
                if (v.is_object() && v.contains("concat")) {
                    for (const auto& m : v["concat"]) t += (t.empty() ? "" : " . ") + (m.is_string() ? m.get<std::string>() : m.dump());
                } else {
                    t = v.is_string() ? v.get<std::string>() : v.dump();
                }
                return t;
            };
            s << render(key) << " : " << render(e[1]);
            lines.push_back(s.str());
        }
    }
    return lines;
}

}  // namespace wharf::test
