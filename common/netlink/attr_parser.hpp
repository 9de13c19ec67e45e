#pragma once
// attr_table: the attributes of a received message (or of one nested attribute) indexed by type,
// with typed accessors that check the payload length. It points into the message it was parsed
// from, which must outlive it. When a type repeats, the table keeps the last one; use
// for_each_attr to see every occurrence (e.g. IFLA_BRIDGE_VLAN_INFO).
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.hpp"
#include "net/mac.hpp"

namespace wharf::netlink {

class attr_table {
public:
    // The attributes that follow a family header of `header_len` bytes in `nlh`'s payload;
    // types above `max_type` are ignored.
    static attr_table parse(const nlmsghdr& nlh, std::size_t header_len, std::uint16_t max_type);
    // The attributes inside a nested attribute.
    static attr_table parse_nested(const nlattr& nest, std::uint16_t max_type);
    // The attributes in a raw buffer.
    static attr_table parse_payload(const void* data, std::size_t len, std::uint16_t max_type);

    const nlattr* get(std::uint16_t type) const noexcept {
        return type < attrs_.size() ? attrs_[type] : nullptr;
    }
    bool has(std::uint16_t type) const noexcept { return get(type) != nullptr; }

    // Each accessor returns nullopt when the attribute is absent or its payload is too short.
    std::optional<std::uint8_t> u8(std::uint16_t type) const noexcept;
    std::optional<std::uint16_t> u16(std::uint16_t type) const noexcept;
    std::optional<std::uint32_t> u32(std::uint16_t type) const noexcept;
    std::optional<std::int32_t> s32(std::uint16_t type) const noexcept;
    std::optional<std::uint64_t> u64(std::uint16_t type) const noexcept;
    // The string up to the first NUL (or the whole payload when unterminated).
    std::optional<std::string> str(std::uint16_t type) const;
    // 4 or 16 bytes as an address; other lengths give nullopt.
    std::optional<net::ip_address> address(std::uint16_t type) const noexcept;
    std::optional<net::mac> mac(std::uint16_t type) const noexcept;
    // A nested attribute parsed as its own table (empty table when absent).
    attr_table nested(std::uint16_t type, std::uint16_t max_type) const;

private:
    explicit attr_table(std::uint16_t max_type) : attrs_(std::size_t{max_type} + 1, nullptr) {}
    static int collect(const nlattr* attr, void* data);
    const void* payload_of(std::uint16_t type, std::size_t min_len) const noexcept;

    std::vector<const nlattr*> attrs_;
};

// Calls `fn` for every attribute inside `nest`, in order, repeats included.
void for_each_attr(const nlattr& nest, const std::function<void(const nlattr&)>& fn);

}  // namespace wharf::netlink
