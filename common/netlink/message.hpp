#pragma once
// netlink::message: one netlink message in a buffer it owns. As a builder it appends the family
// header and attributes (through libmnl) and checks every append against its capacity; it also holds
// a copy of a received reply (message::copy_of), so a reply can outlive the socket's receive buffer.
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace wharf::net {
class ip_address;
class mac;
}  // namespace wharf::net

namespace wharf::netlink {

class message {
public:
    static constexpr std::size_t default_capacity = 8192;

    // A request of `type` (RTM_NEWLINK, ...) with NLM_F_REQUEST | `flags`; seq and port id are
    // stamped by the socket that sends it.
    explicit message(std::uint16_t type, std::uint16_t flags = 0, std::size_t capacity = default_capacity);
    // A copy of a received message (header and payload, nlmsg_len bytes).
    static message copy_of(const nlmsghdr& received);

    message(message&&) noexcept = default;
    message& operator=(message&&) noexcept = default;

    nlmsghdr& header() noexcept { return *nlh_; }
    const nlmsghdr& header() const noexcept { return *nlh_; }
    std::uint16_t type() const noexcept { return nlh_->nlmsg_type; }
    std::span<const std::byte> bytes() const noexcept {
        return {reinterpret_cast<const std::byte*>(nlh_), nlh_->nlmsg_len};
    }

    // Appends the zeroed family header (ifinfomsg, ifaddrmsg, rtmsg ...) and returns it for filling in.
    // Call once, before any attribute.
    template <typename Header>
    Header& put_header() {
        return *static_cast<Header*>(put_extra_header(sizeof(Header)));
    }
    // The family header of a built or received message.
    template <typename Header>
    const Header& family_header() const noexcept {
        return *static_cast<const Header*>(mnl_nlmsg_get_payload(nlh_));
    }
    template <typename Header>
    Header& family_header() noexcept {
        return *static_cast<Header*>(mnl_nlmsg_get_payload(nlh_));
    }
    void* put_extra_header(std::size_t size);

    void put(std::uint16_t type, const void* data, std::size_t len);
    void put_u8(std::uint16_t type, std::uint8_t value);
    void put_u16(std::uint16_t type, std::uint16_t value);
    void put_u32(std::uint16_t type, std::uint32_t value);
    void put_u64(std::uint16_t type, std::uint64_t value);
    // A NUL-terminated string, as IFLA_IFNAME and IFLA_INFO_KIND want.
    void put_strz(std::uint16_t type, std::string_view value);
    // The 4 or 16 network-order bytes of the address.
    void put_address(std::uint16_t type, const net::ip_address& address);
    void put_mac(std::uint16_t type, const net::mac& address);
    // Raw aligned bytes at the tail, not wrapped in an attribute (VETH_INFO_PEER carries an ifinfomsg
    // before its attributes).
    void put_raw(const void* data, std::size_t len);

    // Opens a nested attribute (always with NLA_F_NESTED set); close it with end_nest.
    nlattr* begin_nest(std::uint16_t type);
    void end_nest(nlattr* nest) noexcept;

private:
    message() = default;
    void reserve(std::size_t more) const;

    std::unique_ptr<std::byte[]> buffer_;
    std::size_t capacity_ = 0;
    nlmsghdr* nlh_ = nullptr;
};

// nested: closes a nested attribute when it goes out of scope, unless closed already.
class nested {
public:
    nested(message& msg, std::uint16_t type) : msg_(msg), nest_(msg.begin_nest(type)) {}
    nested(const nested&) = delete;
    nested& operator=(const nested&) = delete;
    ~nested() { close(); }
    void close() noexcept {
        if (nest_) msg_.end_nest(nest_);
        nest_ = nullptr;
    }

private:
    message& msg_;
    nlattr* nest_;
};

}  // namespace wharf::netlink
