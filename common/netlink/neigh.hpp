#pragma once
// Neighbours (the ARP / NDP table) and a VXLAN device's forwarding database over rtnetlink, the
// permanent entries an agent pins for each remote node:
//
//   neigh::replace(nl, {.ifindex = vxlan.index, .address = tunnel_ip, .lladdr = remote_mac});
//   neigh::replace_fdb(nl, {.ifindex = vxlan.index, .lladdr = remote_mac, .dst = remote_underlay_ip});
//   for (const auto& n : neigh::list(nl, vxlan.index, net::family::v4)) ...
//
// Entries are always made permanent (NUD_PERMANENT) with NLM_F_CREATE | NLM_F_REPLACE, so adding what
// is there already, or what is there with another link-layer address, both succeed. remove* return
// false when the entry was already gone (ENOENT).
#include <cstdint>
#include <optional>
#include <vector>

#include "net/ip_address.hpp"
#include "net/mac.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace wharf::netlink::neigh {

// An IP neighbour: `address` is reached at `lladdr` on link `ifindex`.
struct neighbour {
    if_index ifindex;
    net::ip_address address;
    net::mac lladdr;
};

// A VXLAN forwarding entry (`bridge fdb ... self`): frames for `lladdr` go to underlay address `dst`.
struct fdb_entry {
    if_index ifindex;
    net::mac lladdr;
    net::ip_address dst;
};

// One RTM_NEWNEIGH as the kernel reports it, of family AF_INET, AF_INET6 or AF_BRIDGE.
struct entry {
    std::uint8_t family = 0;
    if_index ifindex;
    std::optional<net::ip_address> address;  // NDA_DST: the neighbour's IP, or an FDB entry's remote
    std::optional<net::mac> lladdr;          // NDA_LLADDR
    std::uint16_t state = 0;                 // NUD_*
    std::uint8_t flags = 0;                  // NTF_*
    bool permanent() const noexcept;
};

void replace(socket& sock, const neighbour& n);
bool remove(socket& sock, const neighbour& n);
// The link's IPv4 or IPv6 neighbours that are permanent.
std::vector<neighbour> list(socket& sock, if_index ifindex, net::family family);

void replace_fdb(socket& sock, const fdb_entry& e);
// Removes every remote of `lladdr` on the link.
bool remove_fdb(socket& sock, if_index ifindex, const net::mac& lladdr);
// The link's own (NTF_SELF) permanent forwarding entries that have a remote address.
std::vector<fdb_entry> list_fdb(socket& sock, if_index ifindex);

// The messages the functions above send, and the parser of what the kernel reports, for tests.
message replace_request(const neighbour& n);
message remove_request(const neighbour& n);
message replace_fdb_request(const fdb_entry& e);
message remove_fdb_request(if_index ifindex, const net::mac& lladdr);
// A dump of `family` (AF_INET, AF_INET6, AF_BRIDGE) asking the kernel to keep only `ifindex`'s entries.
message list_request(std::uint8_t family, if_index ifindex);
entry parse_neigh(const nlmsghdr& nlh);

}  // namespace wharf::netlink::neigh
