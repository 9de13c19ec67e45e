#include "netlink/attr_parser.hpp"

#include <array>
#include <cstring>
#include <stdexcept>

namespace wharf::netlink {

int attr_table::collect(const nlattr* attr, void* data) {
    auto& table = *static_cast<attr_table*>(data);
    const std::uint16_t type = mnl_attr_get_type(attr);
    // Types this table does not know are skipped, not errors: newer kernels add attributes.
    if (type < table.attrs_.size()) table.attrs_[type] = attr;
    return MNL_CB_OK;
}

attr_table attr_table::parse(const nlmsghdr& nlh, std::size_t header_len, std::uint16_t max_type) {
    attr_table table(max_type);
    if (mnl_nlmsg_get_payload_len(&nlh) < MNL_ALIGN(header_len)) {
        throw std::runtime_error("netlink message of type " + std::to_string(nlh.nlmsg_type) +
                                 " is shorter than its header");
    }
    mnl_attr_parse(&nlh, static_cast<unsigned>(header_len), &attr_table::collect, &table);
    return table;
}

attr_table attr_table::parse_nested(const nlattr& nest, std::uint16_t max_type) {
    attr_table table(max_type);
    mnl_attr_parse_nested(&nest, &attr_table::collect, &table);
    return table;
}

attr_table attr_table::parse_payload(const void* data, std::size_t len, std::uint16_t max_type) {
    attr_table table(max_type);
    mnl_attr_parse_payload(data, len, &attr_table::collect, &table);
    return table;
}

const void* attr_table::payload_of(std::uint16_t type, std::size_t min_len) const noexcept {
    const nlattr* attr = get(type);
    if (!attr || mnl_attr_get_payload_len(attr) < min_len) return nullptr;
    return mnl_attr_get_payload(attr);
}

namespace {
template <typename T>
std::optional<T> read_as(const void* payload) noexcept {
    if (!payload) return std::nullopt;
    T value;
    std::memcpy(&value, payload, sizeof value);
    return value;
}
}  // namespace

std::optional<std::uint8_t> attr_table::u8(std::uint16_t type) const noexcept {
    return read_as<std::uint8_t>(payload_of(type, 1));
}
std::optional<std::uint16_t> attr_table::u16(std::uint16_t type) const noexcept {
    return read_as<std::uint16_t>(payload_of(type, 2));
}
std::optional<std::uint32_t> attr_table::u32(std::uint16_t type) const noexcept {
    return read_as<std::uint32_t>(payload_of(type, 4));
}
std::optional<std::int32_t> attr_table::s32(std::uint16_t type) const noexcept {
    return read_as<std::int32_t>(payload_of(type, 4));
}
std::optional<std::uint64_t> attr_table::u64(std::uint16_t type) const noexcept {
    return read_as<std::uint64_t>(payload_of(type, 8));
}

std::optional<std::string> attr_table::str(std::uint16_t type) const {
    const nlattr* attr = get(type);
    if (!attr) return std::nullopt;
    const auto* text = static_cast<const char*>(mnl_attr_get_payload(attr));
    const std::size_t len = mnl_attr_get_payload_len(attr);
    return std::string(text, strnlen(text, len));
}

std::optional<net::ip_address> attr_table::address(std::uint16_t type) const noexcept {
    const nlattr* attr = get(type);
    if (!attr) return std::nullopt;
    return net::ip_address::from_bytes(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr));
}

std::optional<net::mac> attr_table::mac(std::uint16_t type) const noexcept {
    const nlattr* attr = get(type);
    if (!attr || mnl_attr_get_payload_len(attr) != 6) return std::nullopt;
    std::array<std::uint8_t, 6> bytes;
    std::memcpy(bytes.data(), mnl_attr_get_payload(attr), bytes.size());
    return net::mac(bytes);
}

attr_table attr_table::nested(std::uint16_t type, std::uint16_t max_type) const {
    const nlattr* attr = get(type);
    if (!attr) return attr_table(max_type);
    return parse_nested(*attr, max_type);
}

void for_each_attr(const nlattr& nest, const std::function<void(const nlattr&)>& fn) {
    const auto* payload = static_cast<const char*>(mnl_attr_get_payload(&nest));
    int remaining = static_cast<int>(mnl_attr_get_payload_len(&nest));
    const auto* attr = reinterpret_cast<const nlattr*>(payload);
    while (mnl_attr_ok(attr, remaining)) {
        fn(*attr);
        remaining -= static_cast<int>(MNL_ALIGN(attr->nla_len));
        attr = mnl_attr_next(attr);
    }
}

}  // namespace wharf::netlink
