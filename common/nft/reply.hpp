#pragma once
// Decoding the kernel's NLMSG_ERROR and NLMSG_DONE replies, with extended-ACK text (internal).
#include <linux/netlink.h>

#include <cstdint>
#include <string>

namespace wharf::nft::detail {

struct ack {
    int err = 0;           // a positive errno; 0 for an acknowledgement
    std::string message;   // NLMSGERR_ATTR_MSG, empty if none
};

// nlh must be an NLMSG_ERROR message; a truncated one decodes as EBADMSG.
ack decode_error(const nlmsghdr& nlh);
// The status an NLMSG_DONE carries at the end of a dump (0 unless the dump failed midway).
ack decode_done(const nlmsghdr& nlh);

}  // namespace wharf::nft::detail
