#pragma once
// Decoding the kernel's answers: the NLMSG_ERROR that acknowledges or refuses a request, and the
// NLMSG_DONE that ends a dump, with the extended-ACK sentence the kernel may add ("Unknown device
// type"). Pure functions on received bytes; netlink::socket uses them for every protocol.
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace wharf::netlink {

struct ack {
    std::uint32_t seq = 0;
    int err = 0;          // a positive errno; 0 when the request was accepted
    std::string extack;   // NLMSGERR_ATTR_MSG, empty if none
};

// `nlh` is an NLMSG_ERROR of which `available` bytes arrived (fewer than nlmsg_len when the
// datagram did not fit the receive buffer): the errno survives a cut, the sentence only if it
// arrived whole. rtnetlink reports -errno, some families +errno; both read as positive. A message
// too short to hold the error reads as EBADMSG.
ack decode_error(const nlmsghdr& nlh, std::size_t available);
// The status an NLMSG_DONE carries (0 unless the dump failed midway) and its sentence.
ack decode_done(const nlmsghdr& nlh);

}  // namespace wharf::netlink
