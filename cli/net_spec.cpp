#include "cli/net_spec.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "base/stable_hash.hpp"
#include "cli/failure.hpp"
#include "cni/env.hpp"

namespace wharf::cli {

using ojson = nlohmann::ordered_json;

namespace {

[[noreturn]] void bad(const std::string& option, const std::string& value, const std::string& why, std::string hint = {}) {
    throw failure(exit_code::usage, "invalid " + option + " \"" + value + "\": " + why, std::move(hint));
}

std::string subnet_list(const std::vector<subnet_spec>& subnets) {
    std::string s;
    for (const auto& sn : subnets) s += (s.empty() ? "" : ", ") + sn.subnet.to_string();
    return s.empty() ? "(none)" : s;
}

// The first and last address containers may get: the ip-range (or the subnet) without the subnet's
// network address and, for IPv4, its broadcast address.
std::pair<net::ip_address, net::ip_address> usable_span(const subnet_spec& s) {
    const net::prefix& r = s.ip_range.value_or(s.subnet);
    net::ip_address first = std::max(r.network(), s.subnet.network().next());
    net::ip_address last = std::min(r.last(), s.subnet.is_v4() ? s.subnet.last().prev() : s.subnet.last());
    return {first, last};
}

}  // namespace

std::string network_name_problem(const std::string& name) {
    if (name.empty()) return "it is empty";
    if (name.size() > 128) return "it is longer than 128 bytes";
    if (!cni::is_valid_identifier(name)) return "use letters, digits, '_', '.' and '-', starting with a letter or digit";
    return {};
}

std::string default_bridge_name(const std::string& network) {
    std::string readable = "wh-" + network;
    if (cni::interface_name_problem(readable).empty()) return readable;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(stable_hash(network)));
    return "wh-" + std::string(hex, 12);
}

net::prefix parse_subnet(const std::string& text) {
    auto p = net::prefix::parse(text);
    if (!p) bad("--subnet", text, "not an address/length (10.1.0.0/16, fd00:1::/64)");
    if (!p->is_canonical())
        bad("--subnet", text, "has host bits set", "did you mean " + p->canonical().to_string() + "?");
    unsigned longest = p->is_v4() ? 30 : 126;
    if (p->length() > longest)
        bad("--subnet", text, "leaves no room for a gateway and a container (at most /" + std::to_string(longest) + ")");
    return *p;
}

void assign_gateways(std::vector<subnet_spec>& subnets, const std::vector<std::string>& gateways) {
    for (const auto& text : gateways) {
        auto gw = net::ip_address::parse(text);
        if (!gw) bad("--gateway", text, "not an IP address");
        auto it = std::find_if(subnets.begin(), subnets.end(), [&](const subnet_spec& s) { return s.subnet.contains(*gw); });
        if (it == subnets.end()) bad("--gateway", text, "is in none of the subnets: " + subnet_list(subnets));
        if (it->gateway) bad("--gateway", text, "subnet " + it->subnet.to_string() + " already has gateway " + it->gateway->to_string());
        if (*gw == it->subnet.network()) bad("--gateway", text, "is the network address of " + it->subnet.to_string());
        if (it->subnet.is_v4() && *gw == it->subnet.last())
            bad("--gateway", text, "is the broadcast address of " + it->subnet.to_string());
        it->gateway = *gw;
    }
}

void assign_ip_ranges(std::vector<subnet_spec>& subnets, const std::vector<std::string>& ranges) {
    for (const auto& text : ranges) {
        auto r = net::prefix::parse(text);
        if (!r) bad("--ip-range", text, "not an address/length");
        if (!r->is_canonical()) bad("--ip-range", text, "has host bits set", "did you mean " + r->canonical().to_string() + "?");
        auto it = std::find_if(subnets.begin(), subnets.end(), [&](const subnet_spec& s) {
            return s.subnet.contains(r->network()) && r->length() >= s.subnet.length();
        });
        if (it == subnets.end()) bad("--ip-range", text, "is inside none of the subnets: " + subnet_list(subnets));
        if (it->ip_range) bad("--ip-range", text, "subnet " + it->subnet.to_string() + " already has ip-range " + it->ip_range->to_string());
        subnet_spec with_range = *it;
        with_range.ip_range = *r;
        auto [first, last] = usable_span(with_range);
        if (last < first) bad("--ip-range", text, "leaves no address for containers (it holds only the network or broadcast address)");
        *it = with_range;
    }
}

void check_distinct(const std::vector<subnet_spec>& subnets) {
    for (std::size_t i = 0; i < subnets.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (subnets[i].subnet.overlaps(subnets[j].subnet))
                bad("--subnet", subnets[i].subnet.to_string(), "overlaps --subnet " + subnets[j].subnet.to_string());
}

std::uint32_t parse_mtu(const std::string& text) {
    std::uint32_t mtu = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mtu);
    if (ec != std::errc{} || end != text.data() + text.size() || mtu < 68 || mtu > 65535)
        bad("--mtu", text, "not a number from 68 to 65535");
    return mtu;
}

ojson conflist_for(const network_spec& spec) {
    // One range set per family: a container gets one address of each family, from the first subnet
    // of the set that has one free (host-local's rule), as Docker takes an endpoint's address.
    ojson v4 = ojson::array(), v6 = ojson::array();
    for (const auto& s : spec.subnets) {
        ojson r = {{"subnet", s.subnet.to_string()}, {"gateway", s.gateway.value_or(s.subnet.network().next()).to_string()}};
        if (s.ip_range) {
            auto [first, last] = usable_span(s);
            r["rangeStart"] = first.to_string();
            r["rangeEnd"] = last.to_string();
        }
        (s.subnet.is_v4() ? v4 : v6).push_back(r);
    }
    ojson ranges = ojson::array(), routes = ojson::array();
    if (!v4.empty()) ranges.push_back(v4);
    if (!v6.empty()) ranges.push_back(v6);
    if (!spec.internal) {
        if (!v4.empty()) routes.push_back({{"dst", "0.0.0.0/0"}});
        if (!v6.empty()) routes.push_back({{"dst", "::/0"}});
    }
    ojson ipam = {{"type", "host-local"}, {"ranges", ranges}};
    if (!routes.empty()) ipam["routes"] = routes;
    ojson bridge = {{"type", "bridge"}, {"bridge", spec.bridge}, {"isGateway", true}, {"ipMasq", !spec.internal}, {"hairpinMode", true}};
    if (spec.mtu) bridge["mtu"] = *spec.mtu;
    bridge["ipam"] = ipam;
    ojson plugins = ojson::array({bridge});
    // An internal network publishes no ports: nothing from outside reaches it (Docker's rule).
    if (!spec.internal) plugins.push_back({{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}, {"snat", true}});
    if (spec.firewall) {
        ojson fw = {{"type", "firewall"}};
        if (spec.isolate) fw["ingressPolicy"] = "same-bridge";
        plugins.push_back(fw);
    }
    if (spec.tuning) plugins.push_back({{"type", "tuning"}});
    return {{"cniVersion", "1.1.0"}, {"name", spec.name}, {"plugins", plugins}};
}

}  // namespace wharf::cli
