#include "ipam_conf.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "base/trim.hpp"
#include "cni/error.hpp"
#include "cni/json_field.hpp"
#include "cni/version.hpp"
#include "net/prefix.hpp"

namespace wharf::ipam {

using net::ip_address;

namespace {

// An address as requests carry it: "10.1.2.3", or with a prefix length, "10.1.2.3/24" (which is ignored).
ip_address parse_requested(const std::string& text, const std::string& key) {
    std::string t = trim(text);
    if (auto a = ip_address::parse(t)) return *a;
    if (auto p = net::prefix::parse(t)) return p->address();
    config_error(fmt::format("{}: invalid IP address \"{}\"", key, text));
}

void add_unique(std::vector<ip_address>& out, const ip_address& a) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
}

void read_ip_list(const nlohmann::json& list, const std::string& key, std::vector<ip_address>& out) {
    if (list.is_null()) return;
    if (!list.is_array()) config_error(fmt::format("{} must be an array of IP addresses, got {}", key, list.dump()));
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_string())
            config_error(fmt::format("{}[{}] must be a string, got {}", key, i, list[i].dump()));
        add_unique(out, parse_requested(list[i].get<std::string>(), fmt::format("{}[{}]", key, i)));
    }
}

void read_range_sets(const nlohmann::json& list, const std::string& key, ipam_conf& c) {
    if (list.is_null()) return;
    if (!list.is_array()) config_error(fmt::format("{} must be an array of range sets, got {}", key, list.dump()));
    for (std::size_t i = 0; i < list.size(); ++i) {
        c.set_keys.push_back(fmt::format("{}[{}]", key, i));
        c.range_sets.push_back(parse_range_set(list[i], c.set_keys.back()));
    }
}

std::vector<cni::route> read_routes(const nlohmann::json& list) {
    std::vector<cni::route> routes;
    if (list.is_null()) return routes;
    if (!list.is_array()) config_error(fmt::format("ipam.routes must be an array, got {}", list.dump()));
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& r = list[i];
        const std::string key = fmt::format("ipam.routes[{}]", i);
        if (!r.is_object()) config_error(fmt::format("{} must be an object, got {}", key, r.dump()));
        cni::route route;
        const std::string dst = cni::get_string(r, "dst");
        auto p = net::prefix::parse(dst);
        if (!p) config_error(fmt::format("{}.dst: invalid CIDR \"{}\"", key, dst));
        route.dst = *p;
        const std::string gw = cni::get_string(r, "gw");
        if (!gw.empty()) {
            auto a = ip_address::parse(gw);
            if (!a) config_error(fmt::format("{}.gw: invalid IP address \"{}\"", key, gw));
            if (a->fam() != p->fam())
                config_error(fmt::format("{}.gw \"{}\" is not of the same family as dst \"{}\"", key, gw, dst));
            route.gw = *a;
        }
        routes.push_back(route);
    }
    return routes;
}

const nlohmann::json& member(const nlohmann::json& obj, const char* name) {
    static const nlohmann::json null;
    const nlohmann::json* v = cni::find_field(obj, name);
    return v ? *v : null;
}

}  // namespace

ipam_conf parse_ipam_conf(const cni::net_conf& conf, const cni::request& req, bool with_requests) {
    ipam_conf c;
    if (!cni::is_valid_identifier(conf.name) || conf.name.size() > 255)
        config_error(fmt::format("name \"{}\" is not a valid network name (it names the store directory)", conf.name));
    c.network = conf.name;

    const nlohmann::json& ipam = conf.ipam;
    if (!ipam.is_object()) config_error(fmt::format("ipam must be an object, got {}", ipam.dump()));
    c.data_dir = cni::get_string(ipam, "dataDir", default_data_dir);
    if (c.data_dir.empty()) config_error("ipam.dataDir must not be empty");
    c.resolv_conf = cni::get_string(ipam, "resolvConf");
    c.routes = read_routes(member(ipam, "routes"));

    // runtimeConfig.ipRanges is per-request input: a DEL that cannot read it releases by owner anyway.
    cni::read_per_request(req.cmd, "runtimeConfig.ipRanges", [&] {
        ipam_conf requested_ranges;
        read_range_sets(member(conf.runtime_config, "ipRanges"), "runtimeConfig.ipRanges", requested_ranges);
        c.range_sets = std::move(requested_ranges.range_sets);
        c.set_keys = std::move(requested_ranges.set_keys);
    });
    const auto& legacy_subnet = member(ipam, "subnet");
    if (!legacy_subnet.is_null()) {
        // The legacy single-range keys live directly in "ipam".
        c.range_sets.push_back(range_set{{parse_range(ipam, "ipam")}});
        c.set_keys.push_back("ipam.subnet");
    } else {
        for (const char* k : {"rangeStart", "rangeEnd", "gateway"})
            if (!member(ipam, k).is_null())
                config_error(fmt::format("ipam.{} is set without ipam.subnet", k));
    }
    read_range_sets(member(ipam, "ranges"), "ipam.ranges", c);
    if (c.range_sets.empty()) config_error("ipam: no IP ranges specified (set ipam.ranges or ipam.subnet)");

    for (std::size_t i = 0; i < c.range_sets.size(); ++i)
        for (std::size_t j = i + 1; j < c.range_sets.size(); ++j)
            if (c.range_sets[i].overlaps(c.range_sets[j]))
                config_error(fmt::format("range set {} ({}: {}) overlaps range set {} ({}: {})", i, c.set_keys[i],
                                         c.range_sets[i].to_string(), j, c.set_keys[j], c.range_sets[j].to_string()));

    const auto v4 = std::count_if(c.range_sets.begin(), c.range_sets.end(),
                                  [](const range_set& s) { return s.fam() == net::family::v4; });
    const auto v6 = static_cast<long>(c.range_sets.size()) - v4;
    if ((v4 > 1 || v6 > 1) && !conf.cni_version.empty() && !cni::version_at_least(conf.cni_version, "0.3.0"))
        config_error(fmt::format("cniVersion \"{}\" does not support more than one address per family",
                                 conf.cni_version));

    if (with_requests) {
        if (auto ip = req.arg("IP")) {
            std::string_view rest = *ip;
            while (!rest.empty()) {
                auto comma = rest.find(',');
                std::string item(rest.substr(0, comma));
                if (!trim(item).empty()) add_unique(c.requested, parse_requested(item, "CNI_ARGS IP"));
                rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            }
        }
        read_ip_list(member(member(conf.args, "cni"), "ips"), "args.cni.ips", c.requested);
        read_ip_list(member(conf.runtime_config, "ips"), "runtimeConfig.ips", c.requested);
    }
    return c;
}

}  // namespace wharf::ipam
