#pragma once
// Routes over rtnetlink.
//
//   route::add(container_nl, {.dst = net::prefix::any(net::family::v4), .gateway = gw, .ifindex = eth0.index});
#include <cstdint>
#include <optional>
#include <vector>

#include "net/ip_address.hpp"
#include "net/prefix.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace wharf::netlink::route {

struct options {
    net::prefix dst;                         // host bits are dropped (10.1.2.3/24 means 10.1.2.0/24)
    std::optional<net::ip_address> gateway;
    if_index ifindex;                        // 0: let the kernel pick from the gateway
    std::uint32_t table = 254;               // RT_TABLE_MAIN
    std::optional<std::uint32_t> metric;     // RTA_PRIORITY
    // RT_SCOPE_*; by default link scope for a route without gateway and universe otherwise.
    std::optional<std::uint8_t> scope;
    std::optional<std::uint32_t> mtu;        // RTA_METRICS / RTAX_MTU
    std::optional<std::uint32_t> advmss;     // RTA_METRICS / RTAX_ADVMSS
    std::uint8_t protocol = 3;               // RTPROT_BOOT, as `ip route add`
    std::optional<net::ip_address> src;      // RTA_PREFSRC
    std::uint8_t type = 1;                   // RTN_UNICAST
    // RTNH_F_ONLINK: the gateway is on the link even though no prefix of the link covers it.
    bool onlink = false;
};

struct entry {
    net::prefix dst;
    std::optional<net::ip_address> gateway;
    if_index ifindex;
    std::uint32_t table = 0;
    std::optional<std::uint32_t> metric;
    std::uint8_t scope = 0;
    std::optional<std::uint32_t> mtu;
    std::optional<std::uint32_t> advmss;
    std::uint8_t protocol = 0;
    std::optional<net::ip_address> src;
    std::uint8_t type = 0;
    bool onlink = false;                     // RTNH_F_ONLINK
};

// Which routes list() returns; an unset field matches every route.
struct filter {
    std::optional<std::uint32_t> table;
    std::optional<std::uint8_t> protocol;    // RTPROT_*, or a private number
};

// Throws netlink::error; EEXIST when the route exists.
void add(socket& sock, const options& options);
// Adds, or replaces a route with the same destination, table and metric.
void replace(socket& sock, const options& options);
// false when no such route was there (ESRCH, ENOENT).
bool remove(socket& sock, const options& options);
// The route the kernel would take to `destination` (`ip route get`): its ifindex, gateway, source.
// Throws netlink::error (ENETUNREACH, ...) when there is none.
entry lookup(socket& sock, const net::ip_address& destination);
// Every route of the family, or only those of one table.
std::vector<entry> list(socket& sock, net::family family, std::optional<std::uint32_t> table = {});
// The routes of the family that the filter selects. The kernel filters by protocol itself under strict
// checking; both fields are checked here again.
std::vector<entry> list(socket& sock, net::family family, const filter& selection);

// The messages the functions above send, and the parser of what the kernel reports, for tests.
message add_request(const options& options, bool replace);
message remove_request(const options& options);
message lookup_request(const net::ip_address& destination);
message list_request(net::family family, const filter& selection);
entry parse_route(const nlmsghdr& nlh);

}  // namespace wharf::netlink::route
