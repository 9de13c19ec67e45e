#pragma once
// Stale conntrack entries: a UDP "connection" to a host port outlives the container it was DNATed
// to, so a re-created container would never see that traffic. After publishing or withdrawing a UDP
// port, its entries are deleted through ctnetlink (a dump, then one delete per matching entry by its
// original tuple). Failures are the caller's to log: they never fail an ADD or DEL.
#include <cstdint>
#include <set>

#include "net/ip_address.hpp"

namespace wharf::portmap {

// Deletes the entries of `fam` whose original tuple is UDP to one of `ports`; returns how many.
// Throws os_error / netlink::error when ctnetlink does not answer.
std::size_t flush_udp_conntrack(net::family fam, const std::set<std::uint16_t>& ports);

}  // namespace wharf::portmap
