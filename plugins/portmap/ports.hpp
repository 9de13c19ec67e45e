#pragma once
// The three things the portmap plugin does to the port maps, each one atomic nftables transaction:
// publish an attachment's mappings (ADD), withdraw the elements of stale owners (DEL, GC), and
// verify that an attachment's mappings are in place (CHECK). See layout.hpp for the maps.
//
// Concurrency: publish reads the elements it is about to claim, then commits with "create element"
// (fails with EEXIST if the key appeared meanwhile) and deletes of exactly what it read (ENOENT if it
// vanished); withdraw likewise. A transaction that loses such a race is re-read and tried again, so
// two runtimes can never both win one host port, and no lock file is needed.
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "netlink/socket.hpp"
#include "portmap_conf.hpp"
#include "sys/shared_state.hpp"

namespace wharf::portmap {

// cni error code for a host port another container holds (plugin-specific codes start at 100).
inline constexpr unsigned port_in_use_code = 100;

// UDP host ports touched, per family, for the conntrack flush.
struct touched_ports {
    std::set<std::uint16_t> udp_v4;
    std::set<std::uint16_t> udp_v6;
    bool v4 = false;  // some IPv4 mapping was published
    std::set<std::uint16_t>& udp(net::family f) { return f == net::family::v4 ? udp_v4 : udp_v6; }
};

// Publishes conf's mappings to the container addresses, owned by `tag`. A host port held by another
// container throws cni::error(port_in_use_code) naming that container; one held by the same
// container from another network is recorded as a standby claim and keeps pointing where it did.
//
// The table, its maps and chains (the base) are made and their rules refilled only when something
// is missing or the base was last made for other conditionsV4/V6: with `state` (ADD's, its lock
// held), whose layout/base file says which conditions the base was made for, a warm ADD commits only
// its elements. A batch of elements and a base batch are equally atomic; the base's rebuild made
// every ADD's commit (and the kernel's work after it) several times larger.
touched_ports publish(netlink::socket& sock, const portmap_conf& conf, const std::string& tag,
                      const sys::shared_state* state = nullptr);

// Removes every element whose owner tag satisfies `stale`, promoting standby claims of removed
// ports. Returns the UDP ports withdrawn.
touched_ports withdraw(netlink::socket& sock, const std::function<bool(const std::string& tag)>& stale);

// Throws cni::error naming the first mapping that is missing, points elsewhere or belongs to
// another container.
void verify(netlink::socket& sock, const portmap_conf& conf, const std::string& tag);

}  // namespace wharf::portmap
