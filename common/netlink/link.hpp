#pragma once
// Links (network interfaces) over rtnetlink: create bridges, veth pairs and dummies, look them up,
// change them and remove them. Every function takes the socket of the namespace the link lives in.
//
//   link::create_veth(host_nl, {.name = host_if, .peer_name = "eth0", .peer_netns_fd = ns.fd(), .mtu = 1500});
//   auto br = link::get_link(host_nl, "wharf0");
//   link::set_master(host_nl, link::get_link(host_nl, host_if).index, br.index);
//
// Verbs: create_* throws netlink::error on EEXIST (errno kept, so callers can accept an existing link);
// find_link returns nullopt when absent, get_link throws; remove returns false when already gone.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/mac.hpp"
#include "netlink/socket.hpp"

namespace wharf::netlink {

// An interface index, kept apart from MTUs, VLAN ids and other integers; 0 means "none".
struct if_index {
    int value = 0;
    explicit operator bool() const noexcept { return value > 0; }
    friend auto operator<=>(const if_index&, const if_index&) = default;
};

struct link_info {
    if_index index;
    std::string name;
    std::string kind;                // IFLA_INFO_KIND: "bridge", "veth", "dummy"; empty for e.g. lo
    std::string slave_kind;          // IFLA_INFO_SLAVE_KIND: "bridge" for a bridge port
    std::optional<net::mac> mac;     // absent for links without a hardware address
    std::uint32_t mtu = 0;
    std::uint32_t flags = 0;         // IFF_*
    bool up = false;                 // administratively up (IFF_UP)
    if_index master;                 // the bridge (or bond) it is enslaved to
    if_index link;                   // IFLA_LINK: a veth's peer, possibly in another namespace
    std::optional<std::int32_t> link_netnsid;  // where `link` lives, as this namespace's nsid
};

namespace link {

struct bridge_options {
    std::string name;
    std::optional<std::uint32_t> mtu;
    std::optional<net::mac> mac;
    std::optional<bool> vlan_filtering;
    std::optional<std::uint16_t> vlan_default_pvid;
};

struct veth_options {
    std::string name;              // the end created in the socket's namespace
    std::string peer_name;
    int peer_netns_fd = -1;        // create the peer straight in this namespace; -1: alongside
    std::optional<std::uint32_t> mtu;  // both ends
    std::optional<net::mac> mac;
    std::optional<net::mac> peer_mac;
};

struct dummy_options {
    std::string name;
    std::optional<std::uint32_t> mtu;
};

void create_bridge(socket& sock, const bridge_options& options);
// One RTM_NEWLINK: the peer is born inside peer_netns_fd, never visible in this namespace.
void create_veth(socket& sock, const veth_options& options);
void create_dummy(socket& sock, const dummy_options& options);

std::optional<link_info> find_link(socket& sock, std::string_view name);
std::optional<link_info> find_link(socket& sock, if_index index);
link_info get_link(socket& sock, std::string_view name);
link_info get_link(socket& sock, if_index index);
std::vector<link_info> list_links(socket& sock);

void set_up(socket& sock, if_index index);
void set_down(socket& sock, if_index index);
void set_promisc(socket& sock, if_index index, bool on);
void set_master(socket& sock, if_index index, if_index master);
void set_nomaster(socket& sock, if_index index);
void set_mtu(socket& sock, if_index index, std::uint32_t mtu);
void set_mac(socket& sock, if_index index, const net::mac& address);
void rename(socket& sock, if_index index, std::string_view new_name);
// Moves the link into the namespace behind `netns_fd`; its index there may differ.
void set_netns(socket& sock, if_index index, int netns_fd);
// Turns VLAN filtering on or off on a bridge.
void set_vlan_filtering(socket& sock, if_index bridge, bool on);

// false when the link was already gone (ENODEV).
bool remove(socket& sock, if_index index);
bool remove(socket& sock, std::string_view name);

// The messages the functions above send, for tests and batching.
message create_bridge_request(const bridge_options& options);
message create_veth_request(const veth_options& options);
message create_dummy_request(const dummy_options& options);
// The link_info of an RTM_NEWLINK message (as received from a dump or get, or built above).
link_info parse_link(const nlmsghdr& nlh);

}  // namespace link
}  // namespace wharf::netlink
