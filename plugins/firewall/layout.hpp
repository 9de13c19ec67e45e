#pragma once
// The nftables objects in Wharf's own table of the firewall plugin, and the parts of a transaction
// that create them.
//
//   table inet wharf_firewall
//     set allowed4 { type ipv4_addr }              element: a container address, comment <owner tag>
//     set allowed6 { type ipv6_addr }
//     set isolated { type ifname }                 element: a bridge with ingressPolicy same-bridge or
//     set isolated_self { type ifname . ifname }   isolated, and bridge . bridge; comment "iso-<bridge>"
//     chain forward { type filter hook forward priority filter;
//         iifname . oifname @isolated_self accept
//         iifname @isolated oifname @isolated drop
//         ip daddr @allowed4 ct state established,related accept
//         ip saddr @allowed4 accept
//         ip6 daddr @allowed6 ct state established,related accept
//         ip6 saddr @allowed6 accept }
//   table bridge wharf_firewall                  (only once an attachment has ingressPolicy isolated)
//     set isolated_ports { type ifname }           element: a host veth, comment <owner tag>
//     chain forward { type filter hook forward priority filter;
//         iifname @isolated_ports oifname @isolated_ports drop }
//
// An accept here ends only this table's verdict: a drop in another table at the forward hook still
// drops. So the accepts only matter where this table is the host's forwarding filter; the host's
// iptables FORWARD chain gets its own rules (xt_forward.hpp). The sets are also the record of what
// an attachment owns: DEL finds its addresses by owner tag, without prevResult. The isolation
// entries belong to a bridge, not to a container: they are the network's "piece" "iso-<bridge>",
// made by its first isolating ADD and removed by its last DEL (nft/shared_pieces.hpp).
// Containers of one bridge talk over the bridge, never through the IP forward hook (br_netfilter
// is not loaded), so "isolated" drops their frames in the bridge family's forward hook, by port.
// The fixed chains are flushed and refilled whenever they are (re)made.
#include <string>

#include "net/ip_address.hpp"
#include "netlink/socket.hpp"
#include "nft/objects.hpp"
#include "nft/transaction.hpp"

namespace wharf::firewall::layout {

inline constexpr const char* table_name = "wharf_firewall";
inline constexpr const char* forward = "forward";

nft::set_ref allowed_set(net::family f);

// The table, its sets and the forward chain with its rules.
void add_base(nft::transaction& tx);
// Whether the table and its forward chain exist (the base is whole when they do: one transaction makes it).
bool base_present(netlink::socket& sock);

nft::element allowed_entry(const net::ip_address& a, const std::string& tag);

// The bridge-family table for ingressPolicy "isolated".
nft::set_ref isolated_ports_set();
void add_bridge_base(nft::transaction& tx);
bool bridge_base_present(netlink::socket& sock);
nft::element isolated_port_entry(const std::string& host_veth, const std::string& tag);

}  // namespace wharf::firewall::layout
