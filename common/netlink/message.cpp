#include "netlink/message.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include "net/ip_address.hpp"
#include "net/mac.hpp"

namespace wharf::netlink {

message::message(std::uint16_t type, std::uint16_t flags, std::size_t capacity)
    : buffer_(std::make_unique_for_overwrite<std::byte[]>(capacity)), capacity_(capacity) {
    if (capacity < MNL_NLMSG_HDRLEN) throw std::length_error("netlink message capacity too small");
    nlh_ = mnl_nlmsg_put_header(buffer_.get());
    nlh_->nlmsg_type = type;
    nlh_->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
}

message message::copy_of(const nlmsghdr& received) {
    message m;
    m.capacity_ = MNL_ALIGN(received.nlmsg_len);
    m.buffer_ = std::make_unique_for_overwrite<std::byte[]>(m.capacity_);
    std::memcpy(m.buffer_.get(), &received, received.nlmsg_len);
    m.nlh_ = reinterpret_cast<nlmsghdr*>(m.buffer_.get());
    return m;
}

void message::reserve(std::size_t more) const {
    if (nlh_->nlmsg_len + more > capacity_) {
        throw std::length_error("netlink message of type " + std::to_string(nlh_->nlmsg_type) + " exceeds " +
                                std::to_string(capacity_) + " bytes");
    }
}

void* message::put_extra_header(std::size_t size) {
    reserve(MNL_ALIGN(size));
    return mnl_nlmsg_put_extra_header(nlh_, size);
}

void message::put(std::uint16_t type, const void* data, std::size_t len) {
    reserve(MNL_ATTR_HDRLEN + MNL_ALIGN(len));
    mnl_attr_put(nlh_, type, len, data);
}

void message::put_u8(std::uint16_t type, std::uint8_t value) { put(type, &value, sizeof value); }
void message::put_u16(std::uint16_t type, std::uint16_t value) { put(type, &value, sizeof value); }
void message::put_u32(std::uint16_t type, std::uint32_t value) { put(type, &value, sizeof value); }
void message::put_u64(std::uint16_t type, std::uint64_t value) { put(type, &value, sizeof value); }

void message::put_strz(std::uint16_t type, std::string_view value) {
    // Built by hand rather than with mnl_attr_put_strz so a string_view need not be NUL-terminated.
    const std::size_t len = value.size() + 1;
    reserve(MNL_ATTR_HDRLEN + MNL_ALIGN(len));
    std::string copy(value);
    mnl_attr_put(nlh_, type, len, copy.c_str());
}

void message::put_address(std::uint16_t type, const net::ip_address& address) {
    put(type, address.data(), address.size());
}

void message::put_mac(std::uint16_t type, const net::mac& address) {
    put(type, address.data(), address.bytes().size());
}

void message::put_raw(const void* data, std::size_t len) {
    reserve(MNL_ALIGN(len));
    auto* tail = reinterpret_cast<std::byte*>(nlh_) + nlh_->nlmsg_len;
    std::memset(tail, 0, MNL_ALIGN(len));
    std::memcpy(tail, data, len);
    nlh_->nlmsg_len += MNL_ALIGN(len);
}

nlattr* message::begin_nest(std::uint16_t type) {
    reserve(MNL_ATTR_HDRLEN);
    nlattr* nest = mnl_attr_nest_start(nlh_, type);
    nest->nla_type |= NLA_F_NESTED;  // bridge IFLA_PROTINFO is parsed as nested only with this flag
    return nest;
}

void message::end_nest(nlattr* nest) noexcept { mnl_attr_nest_end(nlh_, nest); }

}  // namespace wharf::netlink
