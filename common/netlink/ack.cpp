#include "netlink/ack.hpp"

#include <libmnl/libmnl.h>

#include <cerrno>
#include <cstring>

#include "netlink/attr_parser.hpp"

namespace wharf::netlink {

namespace {

// The sentence in the extended-ACK attributes that start `offset` bytes into the payload.
std::string extack_at(const nlmsghdr& nlh, std::size_t offset) {
    if (!(nlh.nlmsg_flags & NLM_F_ACK_TLVS)) return {};
    const std::size_t payload_len = mnl_nlmsg_get_payload_len(&nlh);
    offset = MNL_ALIGN(offset);
    if (offset >= payload_len) return {};
    const auto* payload = static_cast<const char*>(mnl_nlmsg_get_payload(&nlh));
    return attr_table::parse_payload(payload + offset, payload_len - offset, NLMSGERR_ATTR_MAX)
        .str(NLMSGERR_ATTR_MSG)
        .value_or("");
}

int positive(int err) { return err < 0 ? -err : err; }

}  // namespace

ack decode_error(const nlmsghdr& nlh, std::size_t available) {
    ack out{.seq = nlh.nlmsg_seq};
    if (available < mnl_nlmsg_size(sizeof(nlmsgerr)) || nlh.nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) {
        out.err = EBADMSG;
        out.extack = "truncated netlink error message";
        return out;
    }
    nlmsgerr err;
    std::memcpy(&err, mnl_nlmsg_get_payload(&nlh), sizeof err);
    out.err = positive(err.error);
    if (available < nlh.nlmsg_len) return out;  // the attributes were cut off
    // The attributes follow the error and, unless the kernel capped the echo, the quoted request.
    std::size_t offset = sizeof(nlmsgerr);
    if (!(nlh.nlmsg_flags & NLM_F_CAPPED) && err.msg.nlmsg_len > sizeof(nlmsghdr))
        offset += err.msg.nlmsg_len - sizeof(nlmsghdr);
    out.extack = extack_at(nlh, offset);
    return out;
}

ack decode_done(const nlmsghdr& nlh) {
    ack out{.seq = nlh.nlmsg_seq};
    if (mnl_nlmsg_get_payload_len(&nlh) < sizeof(int)) return out;
    int status;
    std::memcpy(&status, mnl_nlmsg_get_payload(&nlh), sizeof status);
    out.err = positive(status);
    out.extack = extack_at(nlh, sizeof(int));
    return out;
}

}  // namespace wharf::netlink
