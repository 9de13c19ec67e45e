#include "cni/result.hpp"

#include "cni/error.hpp"
#include "cni/json_field.hpp"
#include "cni/version.hpp"

namespace wharf::cni {

using nlohmann::json;

namespace {

enum class shape { v020, v04x, v1 };  // 0.1.0/0.2.0; 0.3.0-0.4.0; 1.0.0+

shape shape_of(std::string_view version) {
    if (version == "0.1.0" || version == "0.2.0") return shape::v020;
    if (version == "0.3.0" || version == "0.3.1" || version == "0.4.0") return shape::v04x;
    return shape::v1;
}

[[noreturn]] void bad(const std::string& field, const std::string& why) {
    throw error(code::decoding_failure, "failed to decode result: " + field + ": " + why, field);
}

std::string str_field(const json& obj, const char* key, const std::string& where) {
    const json* v = find_value(obj, key);
    if (!v) return {};
    if (!v->is_string()) bad(where + "." + key, "must be a string");
    return v->get<std::string>();
}

std::optional<int> int_field(const json& obj, const char* key, const std::string& where) {
    const json* v = find_value(obj, key);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) bad(where + "." + key, "must be an integer");
    return v->get<int>();
}

net::prefix prefix_field(const json& obj, const char* key, const std::string& where, bool required) {
    auto text = str_field(obj, key, where);
    if (text.empty()) {
        if (required) bad(where + "." + key, "is missing");
        return {};
    }
    auto p = net::prefix::parse(text);
    if (!p) bad(where + "." + key, "\"" + text + "\" is not an address with a prefix length");
    return *p;
}

std::optional<net::ip_address> ip_field(const json& obj, const char* key, const std::string& where) {
    auto text = str_field(obj, key, where);
    if (text.empty()) return std::nullopt;
    auto a = net::ip_address::parse(text);
    if (!a) bad(where + "." + key, "\"" + text + "\" is not an IP address");
    return a;
}

json route_to_json(const route& r, bool with_v11_fields) {
    json j = {{"dst", r.dst.to_string()}};
    if (r.gw) j["gw"] = r.gw->to_string();
    if (with_v11_fields) {
        if (r.mtu) j["mtu"] = *r.mtu;
        if (r.advmss) j["advmss"] = *r.advmss;
        if (r.priority) j["priority"] = *r.priority;
        if (r.table) j["table"] = *r.table;
        if (r.scope) j["scope"] = *r.scope;
    }
    return j;
}

route route_from_json(const json& j, const std::string& where) {
    if (!j.is_object()) bad(where, "must be an object");
    route r;
    r.dst = prefix_field(j, "dst", where, true);
    r.gw = ip_field(j, "gw", where);
    r.mtu = int_field(j, "mtu", where);
    r.advmss = int_field(j, "advmss", where);
    r.priority = int_field(j, "priority", where);
    r.table = int_field(j, "table", where);
    r.scope = int_field(j, "scope", where);
    return r;
}

std::vector<std::string> string_list(const json& obj, const char* key, const std::string& where, code c) {
    std::vector<std::string> out;
    const json* list = find_value(obj, key);
    if (!list) return out;
    if (!list->is_array()) throw error(c, where + "." + key + " must be a list of strings", where + "." + key);
    for (const auto& v : *list) {
        if (!v.is_string()) throw error(c, where + "." + key + " must be a list of strings", where + "." + key);
        out.push_back(v.get<std::string>());
    }
    return out;
}

json legacy_ip_to_json(const ip_config& ip, const std::vector<route>& routes) {
    json j = {{"ip", ip.address.to_string()}};
    if (ip.gateway) j["gateway"] = ip.gateway->to_string();
    json rs = json::array();
    for (const auto& r : routes)
        if (r.dst.fam() == ip.address.fam()) rs.push_back(route_to_json(r, false));
    if (!rs.empty()) j["routes"] = rs;
    return j;
}

}  // namespace

dns_config dns_from_json(const json& j, std::string_view key_for_errors) {
    std::string where(key_for_errors);
    if (j.is_null()) return {};
    if (!j.is_object()) throw error(code::invalid_config, where + " must be an object", where);
    dns_config d;
    d.nameservers = string_list(j, "nameservers", where, code::invalid_config);
    if (const json* dom = find_value(j, "domain")) {
        if (!dom->is_string()) throw error(code::invalid_config, where + ".domain must be a string", where + ".domain");
        d.domain = dom->get<std::string>();
    }
    d.search = string_list(j, "search", where, code::invalid_config);
    d.options = string_list(j, "options", where, code::invalid_config);
    return d;
}

json dns_to_json(const dns_config& d) {
    json j = json::object();
    if (!d.nameservers.empty()) j["nameservers"] = d.nameservers;
    if (!d.domain.empty()) j["domain"] = d.domain;
    if (!d.search.empty()) j["search"] = d.search;
    if (!d.options.empty()) j["options"] = d.options;
    return j;
}

json to_json(const result& r, std::string_view version) {
    json j = {{"cniVersion", std::string(version)}};
    shape s = shape_of(version);
    if (s == shape::v020) {
        const ip_config* v4 = nullptr;
        const ip_config* v6 = nullptr;
        for (const auto& ip : r.ips) {
            if (ip.address.is_v4() && !v4) v4 = &ip;
            if (!ip.address.is_v4() && !v6) v6 = &ip;
        }
        if (v4) j["ip4"] = legacy_ip_to_json(*v4, r.routes);
        if (v6) j["ip6"] = legacy_ip_to_json(*v6, r.routes);
        j["dns"] = dns_to_json(r.dns);
        return j;
    }
    const bool v11 = version_at_least(version, "1.1.0");
    if (!r.interfaces.empty()) {
        json ifs = json::array();
        for (const auto& i : r.interfaces) {
            json e = {{"name", i.name}};
            if (!i.mac.empty()) e["mac"] = i.mac;
            if (v11 && i.mtu) e["mtu"] = *i.mtu;
            if (!i.sandbox.empty()) e["sandbox"] = i.sandbox;
            if (v11 && !i.socket_path.empty()) e["socketPath"] = i.socket_path;
            if (v11 && !i.pci_id.empty()) e["pciID"] = i.pci_id;
            ifs.push_back(std::move(e));
        }
        j["interfaces"] = std::move(ifs);
    }
    if (!r.ips.empty()) {
        json ips = json::array();
        for (const auto& ip : r.ips) {
            json e;
            if (s == shape::v04x) e["version"] = ip.address.is_v4() ? "4" : "6";
            if (ip.interface) e["interface"] = *ip.interface;
            e["address"] = ip.address.to_string();
            if (ip.gateway) e["gateway"] = ip.gateway->to_string();
            ips.push_back(std::move(e));
        }
        j["ips"] = std::move(ips);
    }
    if (!r.routes.empty()) {
        json routes = json::array();
        for (const auto& rt : r.routes) routes.push_back(route_to_json(rt, v11));
        j["routes"] = std::move(routes);
    }
    j["dns"] = dns_to_json(r.dns);
    return j;
}

result result_from_json(const json& j, std::string_view version) {
    if (!j.is_object()) bad("result", "must be an object");
    result r;
    r.cni_version = std::string(latest_version);
    if (shape_of(version) == shape::v020) {
        for (const char* key : {"ip4", "ip6"}) {
            const json* it = find_value(j, key);
            if (!it) continue;
            if (!it->is_object()) bad(key, "must be an object");
            ip_config ip;
            ip.address = prefix_field(*it, "ip", key, true);
            ip.gateway = ip_field(*it, "gateway", key);
            r.ips.push_back(ip);
            if (const json* rs = find_value(*it, "routes")) {
                if (!rs->is_array()) bad(std::string(key) + ".routes", "must be a list");
                for (std::size_t i = 0; i < rs->size(); ++i)
                    r.routes.push_back(route_from_json((*rs)[i], std::string(key) + ".routes[" + std::to_string(i) + "]"));
            }
        }
    } else {
        if (const json* it = find_value(j, "interfaces")) {
            if (!it->is_array()) bad("interfaces", "must be a list");
            for (std::size_t i = 0; i < it->size(); ++i) {
                const json& e = (*it)[i];
                std::string where = "interfaces[" + std::to_string(i) + "]";
                if (!e.is_object()) bad(where, "must be an object");
                interface_entry ie;
                ie.name = str_field(e, "name", where);
                ie.mac = str_field(e, "mac", where);
                ie.mtu = int_field(e, "mtu", where);
                ie.sandbox = str_field(e, "sandbox", where);
                ie.socket_path = str_field(e, "socketPath", where);
                ie.pci_id = str_field(e, "pciID", where);
                r.interfaces.push_back(std::move(ie));
            }
        }
        if (const json* it = find_value(j, "ips")) {
            if (!it->is_array()) bad("ips", "must be a list");
            for (std::size_t i = 0; i < it->size(); ++i) {
                const json& e = (*it)[i];
                std::string where = "ips[" + std::to_string(i) + "]";
                if (!e.is_object()) bad(where, "must be an object");
                ip_config ip;
                ip.address = prefix_field(e, "address", where, true);
                ip.gateway = ip_field(e, "gateway", where);
                ip.interface = int_field(e, "interface", where);
                if (ip.interface && (*ip.interface < 0 || static_cast<std::size_t>(*ip.interface) >= r.interfaces.size()))
                    bad(where + ".interface", "index " + std::to_string(*ip.interface) + " names no interface");
                r.ips.push_back(ip);
            }
        }
        if (const json* it = find_value(j, "routes")) {
            if (!it->is_array()) bad("routes", "must be a list");
            for (std::size_t i = 0; i < it->size(); ++i)
                r.routes.push_back(route_from_json((*it)[i], "routes[" + std::to_string(i) + "]"));
        }
    }
    if (const json* it = find_value(j, "dns")) {
        try {
            r.dns = dns_from_json(*it, "dns");
        } catch (const error& e) {
            bad("dns", e.what());
        }
    }
    return r;
}

}  // namespace wharf::cni
