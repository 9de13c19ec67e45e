#pragma once
// nfnetlink_request: a request to a NETLINK_NETFILTER subsystem (NFNL_SUBSYS_CTNETLINK for conntrack,
// NFNL_SUBSYS_NFTABLES for nftables reads): type (subsystem << 8 | command), then the nfgenmsg header
// every nfnetlink message starts with. Attributes follow as on any netlink::message.
#include <cstdint>

#include "netlink/message.hpp"

namespace wharf::netlink {

// `family` is an NFPROTO_* value (AF_INET, AF_INET6, NFPROTO_INET, or NFPROTO_UNSPEC for all).
message nfnetlink_request(std::uint8_t subsystem, std::uint8_t command, std::uint8_t family, std::uint16_t flags = 0);

}  // namespace wharf::netlink
