#pragma once
// firewall_conf: the keys the reference firewall plugin reads, and what the attachment's prevResult
// says about it (its addresses, its bridge and host veth). A bad value throws cni::error code 7
// naming the key.
#include <string>
#include <vector>

#include "cni/config.hpp"
#include "cni/env.hpp"
#include "net/ip_address.hpp"

namespace wharf::firewall {

enum class backend { detect, iptables, firewalld };
enum class ingress_policy { open, same_bridge, isolated };

struct firewall_conf {
    backend chosen = backend::detect;       // "backend": "iptables", "firewalld", anything else detects
    std::string admin_chain = "CNI-ADMIN";  // "iptablesAdminChainName"
    std::string zone = "trusted";           // "firewalldZone": where the firewalld backend puts the addresses
    ingress_policy policy = ingress_policy::open;  // "ingressPolicy"

    // From prevResult (empty when it is absent): the container's addresses, its bridge (the first
    // interface, as the reference reads it) and the host end of its veth (the next host interface).
    std::vector<net::ip_address> addresses;
    std::string bridge;
    std::string host_veth;

    bool isolates() const noexcept { return policy != ingress_policy::open; }
};

// `conf` is the already parsed common part; ADD and CHECK need prevResult, DEL does not.
firewall_conf parse_firewall_conf(const cni::net_conf& conf, cni::command cmd);

// The iptables chain name rules: 1 to 28 bytes, no white space, not starting with '-' or '!'.
// Returns why `name` is not one, or empty.
std::string chain_name_problem(const std::string& name);
// A firewalld zone name: at most 64 letters, digits, '_', '-' and '+'. Returns why not, or empty.
std::string zone_name_problem(const std::string& name);

}  // namespace wharf::firewall
