#pragma once
// Links (network interfaces) over rtnetlink: create bridges, veth pairs, dummies and VXLAN devices, look them up,
// change them and remove them. Every function takes the socket of the namespace the link lives in.
//
//   auto br = link::get_link(host_nl, "wharf0");
//   link::create_veth(host_nl, {.name = host_if, .peer_name = "eth0", .peer_netns_fd = ns.fd(), .mtu = 1500,
//                               .master = br.index, .up = true});
//   link::change(host_nl, host_if, {.alias = "owner tag", .port = {.hairpin = true}});
//   for (const auto& port : link::list_links(host_nl, {.master = br.index, .kind = "veth"})) ...
//
// Verbs: create_* throws netlink::error on EEXIST (errno kept, so callers can accept an existing link);
// find_link returns nullopt when absent, get_link throws; remove returns false when already gone.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.hpp"
#include "net/mac.hpp"
#include "netlink/socket.hpp"

namespace wharf::netlink {

// An interface index, kept apart from MTUs, VLAN ids and other integers; 0 means "none".
struct if_index {
    int value = 0;
    explicit operator bool() const noexcept { return value > 0; }
    friend auto operator<=>(const if_index&, const if_index&) = default;
};

// A VXLAN device's settings that decide where its frames go (IFLA_VXLAN_*).
struct vxlan_info {
    std::uint32_t vni = 0;                   // IFLA_VXLAN_ID
    std::uint16_t port = 0;                  // IFLA_VXLAN_PORT: the UDP destination port, host order
    std::optional<net::ip_address> local;    // IFLA_VXLAN_LOCAL or _LOCAL6: the underlay source address
    if_index underlay;                       // IFLA_VXLAN_LINK: the underlay device, 0 when unbound
    bool learning = false;                   // IFLA_VXLAN_LEARNING: learns remote MACs from traffic
};

struct link_info {
    if_index index;
    std::string name;
    std::string kind;                // IFLA_INFO_KIND: "bridge", "veth", "dummy"; empty for e.g. lo
    std::string slave_kind;          // IFLA_INFO_SLAVE_KIND: "bridge" for a bridge port
    std::optional<net::mac> mac;     // absent for links without a hardware address
    std::uint32_t mtu = 0;
    std::uint32_t txqlen = 0;        // IFLA_TXQLEN: the transmit queue's length in packets
    std::uint32_t flags = 0;         // IFF_*
    bool up = false;                 // administratively up (IFF_UP)
    if_index master;                 // the bridge (or bond) it is enslaved to
    if_index link;                   // IFLA_LINK: a veth's peer, possibly in another namespace
    std::optional<std::int32_t> link_netnsid;  // where `link` lives, as this namespace's nsid
    std::string alias;               // IFLA_IFALIAS; empty when none is set
    std::optional<vxlan_info> vxlan; // present for links of kind "vxlan"
};

// A link named by its index, its name, or both (from a link_info). Requests use the index when there
// is one; errors name it by its name when there is one: link "eth0", else link #5.
struct link_ref {
    if_index index;
    std::string name;

    link_ref(if_index i) : index(i) {}
    link_ref(std::string_view n) : name(n) {}
    link_ref(const std::string& n) : name(n) {}
    link_ref(const char* n) : name(n) {}
    link_ref(const link_info& l) : index(l.index), name(l.name) {}
    std::string to_string() const;
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
    // This end only, applied by the kernel as it creates the pair: up first, then enslaved.
    if_index master;               // enslave it to this bridge (IFLA_MASTER)
    bool up = false;               // administratively up
};

struct dummy_options {
    std::string name;
    std::optional<std::uint32_t> mtu;
};

// A VXLAN device for unicast tunnels whose remotes come from its forwarding database (no group, no
// default remote). UDP checksums are sent and checked; the kernel's other defaults stay.
struct vxlan_options {
    std::string name;
    std::uint32_t vni = 0;
    std::uint16_t port = 4789;               // UDP destination port (IANA's), host order
    std::optional<net::ip_address> local;    // the underlay source address; decides the underlay family
    if_index underlay;                       // bind to this underlay device; 0: any
    std::optional<std::uint32_t> mtu;
    std::optional<net::mac> mac;
    bool learning = false;                   // off: remotes are only what the FDB is told
    bool up = false;
};

// A link's settings as a port of its bridge (IFLA_BRPORT_*); each is left as it is when unset.
struct port_flags {
    std::optional<bool> hairpin;   // send frames back out of the port they came in on
    std::optional<bool> isolated;  // no forwarding to other isolated ports
    std::optional<bool> learning;  // learn source MACs
    bool empty() const noexcept { return !hairpin && !isolated && !learning; }
};

// Changes to an existing link, sent in one RTM_NEWLINK; each is left as it is when unset. The kernel
// applies them in its own order (mac and mtu, alias, flags, master, then arp_notify), and it applies
// port flags before anything else: see change().
struct changes {
    std::optional<bool> up;
    std::optional<bool> promisc;
    std::optional<bool> allmulti;       // receive all multicast frames (IFF_ALLMULTI)
    std::optional<if_index> master;     // the bridge to enslave it to; if_index{} releases it
    std::optional<std::uint32_t> mtu;
    std::optional<std::uint32_t> txqlen;  // IFLA_TXQLEN
    std::optional<net::mac> mac;
    std::optional<std::string> alias;   // IFLA_IFALIAS
    std::optional<int> netns_fd;        // move it into this namespace; its index there may differ
    std::optional<bool> arp_notify;     // net.ipv4.conf.<link>.arp_notify, without sysctl or setns
    port_flags port;                    // IFLA_INFO_SLAVE_DATA: the link must be a bridge port
};

// Which links a dump returns; an unset field matches every link.
struct link_filter {
    if_index master;               // only the ports of this bridge
    std::string kind;              // only links of this kind ("veth", "bridge")
};

void create_bridge(socket& sock, const bridge_options& options);
// One RTM_NEWLINK: the peer is born inside peer_netns_fd, never visible in this namespace.
void create_veth(socket& sock, const veth_options& options);
void create_dummy(socket& sock, const dummy_options& options);
void create_vxlan(socket& sock, const vxlan_options& options);

std::optional<link_info> find_link(socket& sock, const link_ref& link);
link_info get_link(socket& sock, const link_ref& link);
// Every link, or those the filter selects. Under strict checking the kernel filters the dump itself
// (by master, and by kind when the kind's module is loaded); the replies are filtered here again
// for kernels that ignore the filter.
std::vector<link_info> list_links(socket& sock, const link_filter& filter = {});

// One request, or two when `c` both enslaves the link and sets port flags: the kernel reads port
// flags before it changes the master, so they follow in a second message.
void change(socket& sock, const link_ref& link, const changes& c);
void set_up(socket& sock, const link_ref& link);
void set_down(socket& sock, const link_ref& link);
void set_promisc(socket& sock, const link_ref& link, bool on);
void set_master(socket& sock, const link_ref& link, if_index master);
void set_nomaster(socket& sock, const link_ref& link);
void set_mtu(socket& sock, const link_ref& link, std::uint32_t mtu);
void set_mac(socket& sock, const link_ref& link, const net::mac& address);
// Moves the link into the namespace behind `netns_fd`; its index there may differ.
void set_netns(socket& sock, const link_ref& link, int netns_fd);
void rename(socket& sock, if_index index, std::string_view new_name);
// Turns VLAN filtering on or off on a bridge.
void set_vlan_filtering(socket& sock, const link_ref& bridge, bool on);

// false when the link was already gone (ENODEV).
bool remove(socket& sock, const link_ref& link);

// The messages the functions above send, for tests and batching.
message create_bridge_request(const bridge_options& options);
message create_veth_request(const veth_options& options);
message create_dummy_request(const dummy_options& options);
message create_vxlan_request(const vxlan_options& options);
message change_request(const link_ref& link, const changes& c);
message list_request(const link_filter& filter);
// The link_info of an RTM_NEWLINK message (as received from a dump or get, or built above).
link_info parse_link(const nlmsghdr& nlh);

}  // namespace link
}  // namespace wharf::netlink
