#include "firewall_conf.hpp"

#include <cctype>

#include "cni/error.hpp"

namespace wharf::firewall {

namespace {

[[noreturn]] void invalid(const std::string& key, const std::string& why) {
    throw cni::error(cni::code::invalid_config, "invalid network config: " + key + " " + why, key);
}

// x_tables keeps a chain name in 29 bytes with its NUL (XT_EXTENSION_MAXNAMELEN).
constexpr std::size_t max_chain_name = 28;
// firewalld's zone names are file names of its configuration (<zone>.xml), short and plain.
constexpr std::size_t max_zone_name = 64;

ingress_policy policy_of(const std::string& text) {
    if (text.empty() || text == "open") return ingress_policy::open;
    if (text == "same-bridge") return ingress_policy::same_bridge;
    if (text == "isolated") return ingress_policy::isolated;
    invalid("ingressPolicy", "is \"" + text + "\", not \"open\", \"same-bridge\" or \"isolated\"");
}

void read_prev_result(firewall_conf& out, const cni::result& prev) {
    for (const auto& ip : prev.ips) out.addresses.push_back(ip.address.address());
    // The bridge plugin lists the bridge first, then the host veth, then the container's interface.
    std::size_t i = 0;
    if (!prev.interfaces.empty()) out.bridge = prev.interfaces[i++].name;
    for (; i < prev.interfaces.size(); ++i) {
        if (!prev.interfaces[i].sandbox.empty()) continue;
        out.host_veth = prev.interfaces[i].name;
        break;
    }
}

}  // namespace

std::string chain_name_problem(const std::string& name) {
    if (name.empty()) return "is empty";
    if (name.size() > max_chain_name) return "is longer than " + std::to_string(max_chain_name) + " bytes";
    if (name.front() == '-' || name.front() == '!') return "starts with '" + name.substr(0, 1) + "'";
    for (unsigned char c : name)
        if (std::isspace(c) || !std::isprint(c)) return "holds white space or a control character";
    return {};
}

std::string zone_name_problem(const std::string& name) {
    if (name.size() > max_zone_name) return "is longer than " + std::to_string(max_zone_name) + " bytes";
    for (unsigned char c : name)
        if (!std::isalnum(c) && c != '_' && c != '-' && c != '+') return "holds a byte other than a letter, a digit, '_', '-' or '+'";
    return {};
}

firewall_conf parse_firewall_conf(const cni::net_conf& conf, cni::command cmd) {
    firewall_conf out;
    const std::string backend_text = cni::get_string(conf.raw, "backend");
    if (backend_text == "iptables") out.chosen = backend::iptables;
    else if (backend_text == "firewalld") out.chosen = backend::firewalld;

    out.admin_chain = cni::get_string(conf.raw, "iptablesAdminChainName");
    if (out.admin_chain.empty()) out.admin_chain = "CNI-ADMIN";
    if (std::string why = chain_name_problem(out.admin_chain); !why.empty())
        invalid("iptablesAdminChainName", "\"" + out.admin_chain + "\" " + why);
    out.zone = cni::get_string(conf.raw, "firewalldZone");
    if (out.zone.empty()) out.zone = "trusted";
    if (std::string why = zone_name_problem(out.zone); !why.empty()) invalid("firewalldZone", "\"" + out.zone + "\" " + why);
    out.policy = policy_of(cni::get_string(conf.raw, "ingressPolicy"));

    const bool needs_prev = cmd == cni::command::add || cmd == cni::command::check;
    if (conf.prev_result) read_prev_result(out, *conf.prev_result);
    if (!needs_prev) return out;
    if (!conf.prev_result)
        throw cni::error(cni::code::invalid_config, "firewall must be chained: prevResult is missing",
                         "list firewall after the plugin that creates the interface (e.g. bridge) in a conflist");
    if (out.isolates() && out.bridge.empty())
        throw cni::error(cni::code::invalid_config,
                         "ingressPolicy needs the bridge: prevResult lists no interface",
                         "chain firewall after bridge");
    if (out.policy == ingress_policy::isolated && out.host_veth.empty())
        throw cni::error(cni::code::invalid_config,
                         "ingressPolicy \"isolated\" needs the host veth: prevResult lists no host interface after the bridge",
                         "chain firewall after bridge");
    return out;
}

}  // namespace wharf::firewall
