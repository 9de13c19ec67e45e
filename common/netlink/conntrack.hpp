#pragma once
// Conntrack entries over ctnetlink (NETLINK_NETFILTER): dump the entries of one family and delete an
// entry by its original tuple, on a socket opened with netlink::socket::open(NETLINK_NETFILTER).
//
//   for (const auto& e : conntrack::list(nf, net::family::v4, [](const auto& e) { return e.protocol == IPPROTO_UDP; }))
//       conntrack::remove(nf, net::family::v4, e);
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "net/ip_address.hpp"
#include "netlink/message.hpp"
#include "netlink/socket.hpp"

namespace wharf::netlink::conntrack {

struct entry {
    std::vector<std::uint8_t> tuple;         // CTA_TUPLE_ORIG's payload as the kernel sent it: a delete names it
    std::optional<std::uint16_t> zone;       // CTA_ZONE, in network order as sent
    std::uint8_t protocol = 0;               // IPPROTO_* of the original tuple
    std::optional<std::uint16_t> dst_port;   // the original destination port (TCP, UDP, ...), host order
};

// The entries of `family` that `keep` accepts (every entry when it is empty).
std::vector<entry> list(socket& sock, net::family family, const std::function<bool(const entry&)>& keep = {});
// false when the entry was already gone (ENOENT): deleted by someone else, or expired.
bool remove(socket& sock, net::family family, const entry& e);

// The messages the functions above send, and the parser of what the kernel reports, for tests.
message list_request(net::family family);
message remove_request(net::family family, const entry& e);
// nullopt for a message without an original tuple.
std::optional<entry> parse_entry(const nlmsghdr& nlh);

}  // namespace wharf::netlink::conntrack
