#include "nft/reply.hpp"

#include <libmnl/libmnl.h>

#include <cerrno>
#include <cstring>

namespace wharf::nft::detail {

namespace {

int take_message(const nlattr* attr, void* data) {
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
        *static_cast<std::string*>(data) = mnl_attr_get_str(attr);
    return MNL_CB_OK;
}

// Extended-ACK attributes follow the error header and, unless NLM_F_CAPPED, the echoed request.
std::string extack_message(const nlmsghdr& nlh, std::size_t offset) {
    std::string message;
    if ((nlh.nlmsg_flags & NLM_F_ACK_TLVS) == 0) return message;
    if (MNL_ALIGN(offset) >= mnl_nlmsg_get_payload_len(&nlh)) return message;
    mnl_attr_parse(&nlh, static_cast<unsigned>(offset), take_message, &message);
    return message;
}

int positive(int err) { return err < 0 ? -err : err; }

}  // namespace

ack decode_error(const nlmsghdr& nlh) {
    if (nlh.nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) return {EBADMSG, "truncated netlink error message"};
    nlmsgerr err;
    std::memcpy(&err, mnl_nlmsg_get_payload(&nlh), sizeof err);
    std::size_t offset = sizeof(nlmsgerr);
    if ((nlh.nlmsg_flags & NLM_F_CAPPED) == 0 && err.msg.nlmsg_len > sizeof(nlmsghdr))
        offset += err.msg.nlmsg_len - sizeof(nlmsghdr);
    return {positive(err.error), extack_message(nlh, offset)};
}

ack decode_done(const nlmsghdr& nlh) {
    if (mnl_nlmsg_get_payload_len(&nlh) < sizeof(int)) return {};
    int status;
    std::memcpy(&status, mnl_nlmsg_get_payload(&nlh), sizeof status);
    return {positive(status), extack_message(nlh, sizeof(int))};
}

}  // namespace wharf::nft::detail
