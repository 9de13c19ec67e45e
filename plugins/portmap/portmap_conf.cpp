#include "portmap_conf.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cctype>

#include "cni/error.hpp"
#include "cni/json_field.hpp"

namespace wharf::portmap {

using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& key, const std::string& why) {
    throw cni::error(cni::code::invalid_config, "invalid network config: " + key + " " + why, key);
}

std::uint16_t port_of(const json& entry, const char* key, const std::string& where) {
    const json* it = cni::find_value(entry, key);
    if (!it) invalid(where + "." + key, "is missing");
    if (!it->is_number_integer()) invalid(where + "." + key, "must be an integer, not " + it->dump());
    long long v = it->get<long long>();
    if (v < 1 || v > 65535) invalid(where + "." + key, "is " + std::to_string(v) + ", outside 1..65535");
    return static_cast<std::uint16_t>(v);
}

std::uint8_t protocol_of(const json& entry, const std::string& where) {
    std::string p = cni::get_string(entry, "protocol", "tcp");
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
    if (p.empty() || p == "tcp") return IPPROTO_TCP;
    if (p == "udp") return IPPROTO_UDP;
    if (p == "sctp") return IPPROTO_SCTP;
    invalid(where + ".protocol", "is \"" + p + "\", not tcp, udp or sctp");
}

std::vector<port_mapping> parse_mappings(const json& runtime_config) {
    const json* it = cni::find_value(runtime_config, "portMappings");
    if (!it) return {};
    if (!it->is_array()) invalid("runtimeConfig.portMappings", "must be a list, not " + it->dump());
    std::vector<port_mapping> out;
    for (std::size_t i = 0; i < it->size(); ++i) {
        const json& e = (*it)[i];
        const std::string where = "runtimeConfig.portMappings[" + std::to_string(i) + "]";
        if (!e.is_object()) invalid(where, "must be an object, not " + e.dump());
        port_mapping m;
        m.host_port = port_of(e, "hostPort", where);
        m.container_port = port_of(e, "containerPort", where);
        m.protocol = protocol_of(e, where);
        if (std::string ip = cni::get_string(e, "hostIP"); !ip.empty()) {
            m.host_ip = net::ip_address::parse(ip);
            if (!m.host_ip) invalid(where + ".hostIP", "\"" + ip + "\" is not an IP address");
        }
        out.push_back(m);
    }
    return out;
}

std::vector<std::string> string_list(const json& raw, const char* key) {
    const json* it = cni::find_value(raw, key);
    if (!it) return {};
    if (!it->is_array()) invalid(key, "must be a list of strings, not " + it->dump());
    std::vector<std::string> out;
    for (const auto& s : *it) {
        if (!s.is_string()) invalid(key, "must be a list of strings, not " + it->dump());
        out.push_back(s.get<std::string>());
    }
    return out;
}

// The reference's rule: an address counts when it has no interface index, or when that index names
// the interface CNI_IFNAME inside a sandbox.
bool on_container_interface(const cni::result& r, const cni::ip_config& ip, const std::string& ifname) {
    if (!ip.interface) return true;
    int idx = *ip.interface;
    if (idx < 0 || static_cast<std::size_t>(idx) >= r.interfaces.size()) return true;
    const auto& itf = r.interfaces[static_cast<std::size_t>(idx)];
    return itf.name == ifname && !itf.sandbox.empty();
}

}  // namespace

std::string protocol_name(std::uint8_t protocol) {
    switch (protocol) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_SCTP: return "sctp";
    }
    return "proto " + std::to_string(protocol);
}

net::ip_address port_mapping::key_address(net::family f) const {
    if (host_ip) return *host_ip;
    return f == net::family::v4 ? net::ip_address() : *net::ip_address::parse("::");
}

std::string port_mapping::describe() const {
    std::string host;
    if (host_ip) host = host_ip->is_v6() ? "[" + host_ip->to_string() + "]:" : host_ip->to_string() + ":";
    return protocol_name(protocol) + " " + host + std::to_string(host_port) + " -> " + std::to_string(container_port);
}

portmap_conf parse_portmap_conf(const cni::net_conf& conf, const cni::request& req) {
    const json& raw = conf.raw;
    portmap_conf c;
    // Per-request input: DEL finds what to withdraw by owner, and only flushes conntrack for the
    // UDP ports it names, so a DEL that cannot read them goes on without.
    cni::read_per_request(req.cmd, "runtimeConfig.portMappings",
                          [&] { c.mappings = parse_mappings(conf.runtime_config); });
    c.snat = cni::get_bool(raw, "snat", true);
    c.masq_all = cni::get_bool(raw, "masqAll", false);
    const bool has_bit = cni::find_value(raw, "markMasqBit") != nullptr;
    c.mark_masq_bit = cni::get_int(raw, "markMasqBit", default_mark_masq_bit, 0, 31);
    c.external_set_mark_chain = cni::get_string(raw, "externalSetMarkChain");
    if (has_bit && !c.external_set_mark_chain.empty())
        invalid("markMasqBit", "and externalSetMarkChain cannot both be set");
    c.conditions_v4 = parse_conditions(string_list(raw, "conditionsV4"), net::family::v4, "conditionsV4");
    c.conditions_v6 = parse_conditions(string_list(raw, "conditionsV6"), net::family::v6, "conditionsV6");

    if (conf.prev_result) {
        for (const auto& ip : conf.prev_result->ips) {
            if (!on_container_interface(*conf.prev_result, ip, req.ifname)) continue;
            auto& slot = ip.address.is_v4() ? c.container_v4 : c.container_v6;
            if (!slot) slot = ip.address;
        }
    }
    return c;
}

}  // namespace wharf::portmap
