#include "netlink/nfnetlink.hpp"

#include <linux/netfilter/nfnetlink.h>

namespace wharf::netlink {

message nfnetlink_request(std::uint8_t subsystem, std::uint8_t command, std::uint8_t family, std::uint16_t flags) {
    message m(static_cast<std::uint16_t>(subsystem << 8 | command), flags);
    auto& h = m.put_header<nfgenmsg>();
    h.nfgen_family = family;
    h.version = NFNETLINK_V0;
    h.res_id = 0;
    return m;
}

}  // namespace wharf::netlink
