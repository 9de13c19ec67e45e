#pragma once
// Interface addresses over rtnetlink.
//
//   addr::add(container_nl, {.ifindex = eth0.index, .address = *net::prefix::parse("10.22.0.5/24")});
#include <cstdint>
#include <optional>
#include <vector>

#include "net/prefix.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace wharf::netlink::addr {

struct options {
    if_index ifindex;
    net::prefix address;           // the address with its prefix length, host bits kept
    bool nodad = false;            // IPv6: skip duplicate address detection (IFA_F_NODAD)
    bool replace = false;          // replace an existing equal address instead of failing with EEXIST
    std::optional<std::uint8_t> scope;  // RT_SCOPE_*; universe by default
};

struct entry {
    if_index ifindex;
    net::prefix address;
    std::uint32_t flags = 0;       // IFA_F_*
    std::uint8_t scope = 0;        // RT_SCOPE_*
};

// Throws netlink::error; EEXIST when the address is already there (and replace is false).
void add(socket& sock, const options& options);
// false when the address or its link was already gone (EADDRNOTAVAIL, ENODEV).
bool remove(socket& sock, if_index ifindex, const net::prefix& address);
// The addresses of one link (or every link when ifindex is 0), optionally of one family.
std::vector<entry> list(socket& sock, if_index ifindex = {}, std::optional<net::family> family = {});

// The messages the functions above send, and the parser of what the kernel reports, for tests.
message add_request(const options& options);
message remove_request(if_index ifindex, const net::prefix& address);
entry parse_address(const nlmsghdr& nlh);

}  // namespace wharf::netlink::addr
