#include "bridge_conf.hpp"

#include <algorithm>
#include <set>

#include "cni/error.hpp"
#include "cni/json_field.hpp"

namespace wharf::bridge {

using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& key, const std::string& why) {
    throw cni::error(cni::code::invalid_config, "invalid network config: " + key + " " + why, key);
}

// A VLAN id of a trunk entry: 1..4094.
std::uint16_t trunk_id(const json& entry, const char* key, const std::string& where) {
    const json& v = *cni::find_value(entry, key);
    if (!v.is_number_integer()) invalid(where + "." + key, "must be an integer, not " + v.dump());
    long long id = v.get<long long>();
    if (id < 1 || id > 4094) invalid(where + "." + key, "is " + std::to_string(id) + ", outside 1..4094");
    return static_cast<std::uint16_t>(id);
}

std::vector<std::uint16_t> parse_trunk(const json& raw) {
    const json* it = cni::find_value(raw, "vlanTrunk");
    if (!it) return {};
    if (!it->is_array()) invalid("vlanTrunk", "must be a list, not " + it->dump());
    std::set<std::uint16_t> ids;
    for (std::size_t i = 0; i < it->size(); ++i) {
        const json& e = (*it)[i];
        std::string where = "vlanTrunk[" + std::to_string(i) + "]";
        if (!e.is_object()) invalid(where, "must be an object, not " + e.dump());
        const bool has_min = cni::find_value(e, "minID") != nullptr;
        const bool has_max = cni::find_value(e, "maxID") != nullptr;
        const bool has_id = cni::find_value(e, "id") != nullptr;
        if (has_min != has_max) invalid(where, "needs both minID and maxID");
        if (has_min) {
            std::uint16_t lo = trunk_id(e, "minID", where), hi = trunk_id(e, "maxID", where);
            if (hi < lo) invalid(where, "has minID " + std::to_string(lo) + " above maxID " + std::to_string(hi));
            for (unsigned v = lo; v <= hi; ++v) ids.insert(static_cast<std::uint16_t>(v));
        }
        if (has_id) ids.insert(trunk_id(e, "id", where));
        if (!has_min && !has_id) invalid(where, "names no VLAN (id or minID/maxID)");
    }
    return {ids.begin(), ids.end()};
}

}  // namespace

bridge_conf parse_bridge_conf(const cni::net_conf& conf, const cni::request& req) {
    const json& raw = conf.raw;
    bridge_conf c;
    c.bridge = cni::get_string(raw, "bridge", default_bridge_name);
    if (c.bridge.empty()) c.bridge = default_bridge_name;
    if (auto why = cni::interface_name_problem(c.bridge); !why.empty()) invalid("bridge", "\"" + c.bridge + "\": " + why);

    c.is_default_gateway = cni::get_bool(raw, "isDefaultGateway", false);
    c.is_gateway = cni::get_bool(raw, "isGateway", false) || c.is_default_gateway;
    c.force_address = cni::get_bool(raw, "forceAddress", false);
    c.ip_masq = cni::get_bool(raw, "ipMasq", false);
    c.ip_masq_backend = cni::get_string(raw, "ipMasqBackend");
    if (!c.ip_masq_backend.empty() && c.ip_masq_backend != "iptables" && c.ip_masq_backend != "nftables")
        invalid("ipMasqBackend", "is \"" + c.ip_masq_backend + "\", not \"iptables\" or \"nftables\"");
    if (long long mtu = cni::get_int(raw, "mtu", 0, 0, 65535); mtu != 0) {
        if (mtu < 68) invalid("mtu", "is " + std::to_string(mtu) + ", below the minimum of 68");
        c.mtu = static_cast<std::uint32_t>(mtu);
    }
    c.hairpin = cni::get_bool(raw, "hairpinMode", false);
    c.promisc = cni::get_bool(raw, "promiscMode", false);
    if (c.hairpin && c.promisc) invalid("hairpinMode", "and promiscMode cannot both be true");
    c.vlan = static_cast<std::uint16_t>(cni::get_int(raw, "vlan", 0, 0, 4094));
    c.vlan_trunk = parse_trunk(raw);
    if (c.vlan != 0 && !c.vlan_trunk.empty()) invalid("vlan", "and vlanTrunk cannot both be set");
    c.preserve_default_vlan = cni::get_bool(raw, "preserveDefaultVlan", true);
    c.enable_dad = cni::get_bool(raw, "enabledad", false);
    c.macspoofchk = cni::get_bool(raw, "macspoofchk", false);
    c.disable_container_interface = cni::get_bool(raw, "disableContainerInterface", false);
    c.port_isolation = cni::get_bool(raw, "portIsolation", false);
    c.isolation = cni::get_bool(raw, "isolation", false);

    c.has_ipam = !cni::get_string(conf.ipam, "type").empty();
    if (c.disable_container_interface && c.has_ipam)
        invalid("disableContainerInterface", "cannot be used with IPAM (ipam.type is set)");

    // The MAC: runtimeConfig.mac wins over args.cni.mac, which wins over CNI_ARGS MAC=.
    // All three are per-request input, which a DEL does not need.
    cni::read_per_request(req.cmd, "CNI_ARGS MAC", [&] {
        if (auto m = req.arg("MAC"); m && !m->empty()) c.mac = cni::parse_mac("CNI_ARGS MAC", *m);
    });
    cni::read_per_request(req.cmd, "args.cni.mac", [&] {
        if (const json* a = cni::find_value(conf.args, "cni"); a && a->is_object())
            if (auto m = cni::get_string(*a, "mac"); !m.empty()) c.mac = cni::parse_mac("args.cni.mac", m);
    });
    cni::read_per_request(req.cmd, "runtimeConfig.mac", [&] {
        if (auto m = cni::get_string(conf.runtime_config, "mac"); !m.empty())
            c.mac = cni::parse_mac("runtimeConfig.mac", m);
    });
    return c;
}

}  // namespace wharf::bridge
