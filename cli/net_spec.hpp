#pragma once
// What `wharf net create` is asked for, checked, and the conflist it becomes:
//   bridge (isGateway, ipMasq unless internal, hairpinMode, mtu) with host-local IPAM, one range per
//   subnet, then portmap (portMappings), then firewall (ingressPolicy same-bridge when isolated) and
//   tuning when those plugins are installed.
// An internal network has no ipMasq and no default route: containers reach each other and the bridge's
// gateway address, and nothing beyond it (Docker's --internal).
// Pure: no files, no kernel; every problem is a failure(usage) naming the option and the value.
#include <optional>
#include <string>
#include <vector>

#include "json/json.hpp"
#include "net/ip_address.hpp"
#include "net/prefix.hpp"

namespace wharf::cli {

struct subnet_spec {
    net::prefix subnet;                      // canonical
    std::optional<net::ip_address> gateway;  // default: the subnet's first address
    std::optional<net::prefix> ip_range;     // where containers' addresses come from; default the subnet
};

struct network_spec {
    std::string name;
    std::vector<subnet_spec> subnets;
    std::string bridge;
    bool internal = false;
    bool isolate = false;
    std::optional<std::uint32_t> mtu;
    bool firewall = false;  // add the firewall plugin
    bool tuning = false;    // add the tuning plugin
};

// Docker's rule for network names: [a-zA-Z0-9][a-zA-Z0-9_.-]*. Why not, or empty.
std::string network_name_problem(const std::string& name);
// "wh-NAME" when that fits in an interface name, else "wh-" and 12 hex digits of a hash of NAME.
std::string default_bridge_name(const std::string& network);

// --subnet: a canonical IPv4 (at most /30) or IPv6 (at most /126) prefix.
net::prefix parse_subnet(const std::string& text);
// Each --gateway and --ip-range goes to the subnet that contains it (at most one of each per subnet);
// the gateway may not be the subnet's network or IPv4 broadcast address, the range must leave addresses.
void assign_gateways(std::vector<subnet_spec>& subnets, const std::vector<std::string>& gateways);
void assign_ip_ranges(std::vector<subnet_spec>& subnets, const std::vector<std::string>& ranges);
// Subnets given twice or overlapping each other.
void check_distinct(const std::vector<subnet_spec>& subnets);
// --mtu: 68 to 65535.
std::uint32_t parse_mtu(const std::string& text);

// The conflist document (cniVersion 1.1.0, as conf-examples/), its keys in conf-examples' order.
nlohmann::ordered_json conflist_for(const network_spec& spec);

}  // namespace wharf::cli
