#pragma once
// The nftables objects the portmap plugin owns, all in one table, and the parts of a transaction that
// create them. Published ports live in maps, so a packet's lookup and an ADD cost the same with one
// published port or thousands.
//
//   table inet wharf_portmap
//     map ports4 { type inet_proto . ipv4_addr . inet_service : ipv4_addr . inet_service }
//         protocol . host address (0.0.0.0: any) . host port : container address . container port,
//         comment <owner tag>
//     map ports6 { the same with ipv6_addr; :: means any }
//     map standby4 { type inet_proto . ipv4_addr . inet_service . ipv4_addr : ipv4_addr . inet_service }
//         the same host port claimed again by the same container from another network (its address
//         last): promoted into ports4 when the first attachment goes
//     map standby6
//     map hairpin4 { type ipv4_addr : verdict }   container address : jump hp-<subnet> (or goto
//         masq_all with masqAll), comment <owner tag>
//     map hairpin6
//     chain prerouting { type nat hook prerouting priority dstnat;
//         meta nfproto ipv4 <conditionsV4> fib daddr type local jump dnat4
//         meta nfproto ipv6 <conditionsV6> fib daddr type local jump dnat6 }
//     chain output { type nat hook output priority dstnat; the same two rules }
//     chain dnat4 { dnat ip to meta l4proto . ip daddr . th dport map @ports4
//                   dnat ip to meta l4proto . 0.0.0.0 . th dport map @ports4 }
//     chain dnat6 { the same for ip6 and :: }
//     chain postrouting { type nat hook postrouting priority srcnat;
//         ct status dnat ip daddr vmap @hairpin4; ct status dnat ip6 daddr vmap @hairpin6 }
//     chain hp-<subnet> { ip saddr <subnet> masquerade; ip saddr 127.0.0.0/8 masquerade }
//         (removed with the last hairpin element that jumps to it)
//     chain masq_all { masquerade }
//
// `fib daddr type local` keeps DNAT to traffic addressed to the host itself: traffic routed through
// the host to some other address with the same port is left alone. Chains with fixed rules are
// flushed and refilled in every ADD's transaction, so concurrent ADDs leave one copy of each rule.
#include <string>

#include "conditions.hpp"
#include "net/ip_address.hpp"
#include "net/prefix.hpp"
#include "nft/objects.hpp"
#include "nft/transaction.hpp"
#include "portmap_conf.hpp"

namespace wharf::portmap::layout {

inline constexpr const char* table_name = "wharf_portmap";
inline constexpr const char* masq_all_chain = "masq_all";

nft::set_ref ports_map(net::family f);
nft::set_ref standby_map(net::family f);
nft::set_ref hairpin_map(net::family f);

// "hp-10.88.0.0_16": the hairpin chain of one subnet; its rules depend on the subnet alone.
std::string hairpin_chain(const net::prefix& subnet);
inline constexpr const char* hairpin_chain_prefix = "hp-";

// The table, the maps and every fixed chain with its rules (flushed and refilled).
void add_base(nft::transaction& tx, const portmap_conf& conf);
// The hairpin chain of `subnet` with its rules.
void add_hairpin_chain(nft::transaction& tx, const net::prefix& subnet);

// Keys and data of the elements.
nft::bytes ports_key(std::uint8_t protocol, const net::ip_address& host, std::uint16_t host_port);
nft::bytes standby_key(const nft::bytes& ports_key, const net::ip_address& container);
nft::bytes target(const net::ip_address& container, std::uint16_t container_port);
// The ports key a standby key extends (its first part).
nft::bytes ports_key_of_standby(const nft::bytes& standby_key, net::family f);

// Decoded parts of a ports key or target, for messages and conntrack.
struct decoded_key {
    std::uint8_t protocol = 0;
    net::ip_address host;
    std::uint16_t port = 0;
};
decoded_key decode_ports_key(const nft::bytes& key, net::family f);
std::string describe_target(const nft::bytes& data, net::family f);

}  // namespace wharf::portmap::layout
