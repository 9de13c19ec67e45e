#pragma once
// The nftables objects Wharf's bridge plugin owns, and the parts of a transaction that create them.
//
//   table inet wharf_bridge
//     map masq4 { type ipv4_addr : verdict }   element: container address : jump masq-<subnet>, comment <owner tag>
//     map masq6 { type ipv6_addr : verdict }
//     chain postrouting { type nat hook postrouting priority srcnat;
//         ip saddr vmap @masq4; ip6 saddr vmap @masq6 }
//     chain masq-<subnet> { ip daddr <subnet> return; ip daddr 224.0.0.0/4 return; masquerade }
//     set isolated { type ifname }                   element: bridge name, comment "isolation <bridge>"
//     set isolated_self { type ifname . ifname }     element: bridge . bridge
//     set isolated_ports { type ifname . ifname }    element: bridge . host veth, comment <owner tag>:
//         one per isolated attachment, so the bridge's two entries go with its last attachment
//     chain forward { type filter hook forward priority filter;
//         ct state established,related accept
//         iifname . oifname @isolated_self accept
//         iifname @isolated oifname @isolated drop }
//   table bridge wharf_bridge
//     set spoof_ports { type ifname }                element: host veth, comment <owner tag>
//     set spoof_pairs { type ifname . ether_addr }   element: host veth . container MAC
//     chain prerouting { type filter hook prerouting priority -200;
//         iifname @spoof_ports iifname . ether saddr != @spoof_pairs drop }
//
// Chains with fixed rules are flushed and refilled inside every transaction that adds them, so any
// number of concurrent ADDs leave exactly one copy of each rule (the kernel serialises transactions).
// What is named after a subnet or bridge (a masq-<subnet> chain, a bridge's isolation entries) goes
// with the last attachment that uses it: DEL and GC remove it in the same transaction as that
// attachment's elements (see firewall.cpp for how that stays right under concurrent ADDs).
#include <string>
#include <vector>

#include "net/prefix.hpp"
#include "nft/objects.hpp"
#include "nft/socket.hpp"
#include "nft/transaction.hpp"

namespace wharf::bridge::layout {

inline constexpr const char* table_name = "wharf_bridge";
inline constexpr const char* masq4 = "masq4";
inline constexpr const char* masq6 = "masq6";
inline constexpr const char* isolated = "isolated";
inline constexpr const char* isolated_self = "isolated_self";
inline constexpr const char* isolated_ports = "isolated_ports";
inline constexpr const char* spoof_ports = "spoof_ports";
inline constexpr const char* spoof_pairs = "spoof_pairs";

nft::set_ref masq_map(net::family f);
// "masq-10.22.0.0_24": one chain per subnet; its rules depend on the subnet alone, so networks
// that share a subnet may share it.
std::string subnet_chain(const net::prefix& subnet);
inline constexpr const char* subnet_chain_prefix = "masq-";

// Table inet wharf_bridge, the masquerade maps and the postrouting chain with its rules.
void add_masquerade_base(nft::transaction& tx);
// The per-subnet chain with its rules.
void add_subnet_chain(nft::transaction& tx, const net::prefix& subnet);
// Table inet wharf_bridge, the isolation sets and the forward chain with its rules.
void add_isolation_base(nft::transaction& tx);
// Table bridge wharf_bridge, the spoof-check sets and its prerouting chain with the rule.
void add_spoof_base(nft::transaction& tx);

// Every set and map above, by family.
std::vector<nft::set_ref> owned_sets();

// An element of `set` found with its owner comment.
struct owned_element {
    nft::set_ref set;
    nft::element element;
};
// The elements of every owned set whose comment satisfies `keep`; a set or table that does not
// exist contributes nothing.
template <typename Pred>
std::vector<owned_element> find_elements(nft::socket& sock, Pred keep);
std::vector<owned_element> list_all_elements(nft::socket& sock);

template <typename Pred>
std::vector<owned_element> find_elements(nft::socket& sock, Pred keep) {
    std::vector<owned_element> out;
    for (auto& e : list_all_elements(sock))
        if (keep(e.element.comment)) out.push_back(std::move(e));
    return out;
}

// Adds one remove command per set to `tx` for `elements`.
void remove_elements(nft::transaction& tx, const std::vector<owned_element>& elements);

}  // namespace wharf::bridge::layout
