#pragma once
// The nftables objects Wharf's bridge plugin owns, and the parts of a transaction that create them.
//
//   table inet wharf_bridge
//     chain postrouting { type nat hook postrouting priority srcnat;
//         ip saddr 10.22.0.0/24 jump masq-10.22.0.0_24 comment "masq-10.22.0.0_24"   one per subnet }
//     chain masq-10.22.0.0_24 { ip daddr 10.22.0.0/24 return; ip daddr 224.0.0.0/4 return; masquerade }
//     set isolated { type ifname }                   element: bridge name, comment "iso-<bridge>"
//     set isolated_self { type ifname . ifname }     element: bridge . bridge
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
// Masquerade and isolation belong to a network, not to a container: Docker's and netavark's shape.
// A subnet's masquerade (its chain and its postrouting rule) and a bridge's isolation entries are
// "pieces" (named as above: "masq-10.22.0.0_24", "iso-wbr0"), made by the first ADD that needs them
// and removed by the DEL that leaves them unused (sys/shared_state.hpp says how that stays right under
// concurrency). Only the MAC spoof check is per container. Fixed chains are flushed and refilled
// whenever they are (re)made.
#include <optional>
#include <string>
#include <vector>

#include "net/prefix.hpp"
#include "netlink/socket.hpp"
#include "nft/objects.hpp"
#include "nft/transaction.hpp"

namespace wharf::bridge::layout {

inline constexpr const char* table_name = "wharf_bridge";
inline constexpr const char* postrouting = "postrouting";
inline constexpr const char* forward = "forward";
inline constexpr const char* spoof_ports = "spoof_ports";
inline constexpr const char* spoof_pairs = "spoof_pairs";

// "masq-10.22.0.0_24": the masquerade piece of a subnet, also the name of its chain and its rule's comment.
std::string masquerade_piece(const net::prefix& subnet);
// "iso-wbr0": the isolation piece of a bridge, also its entries' comment.
std::string isolation_piece(const std::string& bridge);
// The subnet or bridge a piece name stands for; nullopt when it is not such a name.
std::optional<net::prefix> masqueraded_subnet(const std::string& piece);
std::optional<std::string> isolated_bridge(const std::string& piece);

// Table inet wharf_bridge and its postrouting chain (never flushed: it holds one rule per subnet).
void add_postrouting_base(nft::transaction& tx);
// The subnet's chain with its rules (flushed and refilled), and with `dispatch` its postrouting rule.
void add_masquerade(nft::transaction& tx, const net::prefix& subnet, bool dispatch);
// Table inet wharf_bridge, the isolation sets and the forward chain with its rules.
void add_isolation_base(nft::transaction& tx);
// A bridge's two isolation entries.
void add_isolation_entries(nft::transaction& tx, const std::string& bridge);
// Table bridge wharf_bridge, the spoof-check sets and its prerouting chain with the rule.
void add_spoof_base(nft::transaction& tx);

nft::set_ref isolated_set();
nft::set_ref isolated_self_set();
nft::element isolated_entry(const std::string& bridge);
nft::element isolated_self_entry(const std::string& bridge);

// The per-attachment sets (the spoof check's).
std::vector<nft::set_ref> owned_sets();

// An element of `set` found with its owner comment.
struct owned_element {
    nft::set_ref set;
    nft::element element;
};
// The elements of every owned set; a set or table that does not exist contributes nothing.
std::vector<owned_element> list_all_elements(netlink::socket& sock);
template <typename Pred>
std::vector<owned_element> find_elements(netlink::socket& sock, Pred keep) {
    std::vector<owned_element> out;
    for (auto& e : list_all_elements(sock))
        if (keep(e.element.comment)) out.push_back(std::move(e));
    return out;
}

// Adds one remove command per set to `tx` for `elements`.
void remove_elements(nft::transaction& tx, const std::vector<owned_element>& elements);

}  // namespace wharf::bridge::layout
