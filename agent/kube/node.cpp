#include "kube/node.hpp"

#include <stdexcept>

#include "json/json.hpp"
#include "log/logging.hpp"

namespace wharf::kube {

namespace {

std::string string_at(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const nlohmann::json& member(const nlohmann::json& object, const char* key) {
    static const nlohmann::json none;
    if (!object.is_object()) return none;
    const auto it = object.find(key);
    return it != object.end() ? *it : none;
}

void add_cidr(node& n, const std::string& text) {
    if (const auto p = net::prefix::parse(text))
        n.pod_cidrs.push_back(*p);
    else
        log::warn("kube: node {}: pod CIDR \"{}\" does not parse; left out", n.name, text);
}

}  // namespace

node parse_node(const nlohmann::json& object) {
    const nlohmann::json& metadata = member(object, "metadata");
    node n;
    n.name = string_at(metadata, "name");
    if (n.name.empty()) throw std::invalid_argument("a Node object without metadata.name");
    n.uid = string_at(metadata, "uid");
    n.resource_version = string_at(metadata, "resourceVersion");

    const nlohmann::json& spec = member(object, "spec");
    const nlohmann::json& cidrs = member(spec, "podCIDRs");
    if (cidrs.is_array() && !cidrs.empty()) {
        for (const auto& c : cidrs)
            if (c.is_string()) add_cidr(n, c.get<std::string>());
    } else if (const std::string cidr = string_at(spec, "podCIDR"); !cidr.empty()) {
        add_cidr(n, cidr);
    }

    const nlohmann::json& addresses = member(member(object, "status"), "addresses");
    if (addresses.is_array()) {
        for (const auto& a : addresses) {
            if (string_at(a, "type") != "InternalIP") continue;
            const std::string text = string_at(a, "address");
            if (const auto ip = net::ip_address::parse(text))
                n.internal_ips.push_back(*ip);
            else
                log::warn("kube: node {}: InternalIP \"{}\" does not parse; left out", n.name, text);
        }
    }
    return n;
}

bool same_network(const node& a, const node& b) {
    return a.name == b.name && a.uid == b.uid && a.pod_cidrs == b.pod_cidrs && a.internal_ips == b.internal_ips;
}

}  // namespace wharf::kube
