#include "net/ip_address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace wharf::net {

ip_address ip_address::v4(std::uint32_t host_order) noexcept {
    ip_address a;
    a.family_ = family::v4;
    a.bytes_[0] = static_cast<std::uint8_t>(host_order >> 24);
    a.bytes_[1] = static_cast<std::uint8_t>(host_order >> 16);
    a.bytes_[2] = static_cast<std::uint8_t>(host_order >> 8);
    a.bytes_[3] = static_cast<std::uint8_t>(host_order);
    return a;
}

ip_address ip_address::from_in_addr(const in_addr& in) noexcept {
    ip_address a;
    std::memcpy(a.bytes_.data(), &in, 4);
    return a;
}

ip_address ip_address::from_in6_addr(const in6_addr& in) noexcept {
    ip_address a;
    a.family_ = family::v6;
    std::memcpy(a.bytes_.data(), &in, 16);
    return a;
}

std::optional<ip_address> ip_address::from_bytes(const void* data, std::size_t len) noexcept {
    if (len != 4 && len != 16) return std::nullopt;
    ip_address a;
    a.family_ = len == 4 ? family::v4 : family::v6;
    std::memcpy(a.bytes_.data(), data, len);
    return a;
}

std::optional<ip_address> ip_address::parse(std::string_view text) {
    // inet_pton reads up to the first NUL: "::\0junk" must not pass as "::".
    if (text.empty() || text.size() > INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos)
        return std::nullopt;
    std::string s(text);
    ip_address a;
    if (s.find(':') == std::string::npos) {
        if (inet_pton(AF_INET, s.c_str(), a.bytes_.data()) != 1) return std::nullopt;
        a.family_ = family::v4;
        return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) != 1) return std::nullopt;
    a.family_ = family::v6;
    return a;
}

std::uint32_t ip_address::v4_host_order() const noexcept {
    return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) | (std::uint32_t{bytes_[2]} << 8) |
           std::uint32_t{bytes_[3]};
}

in_addr ip_address::to_in_addr() const noexcept {
    in_addr out{};
    std::memcpy(&out, bytes_.data(), 4);
    return out;
}

in6_addr ip_address::to_in6_addr() const noexcept {
    in6_addr out{};
    std::memcpy(&out, bytes_.data(), 16);
    return out;
}

bool ip_address::is_unspecified() const noexcept {
    for (std::size_t i = 0; i < size(); ++i)
        if (bytes_[i] != 0) return false;
    return true;
}

bool ip_address::is_loopback() const noexcept {
    if (is_v4()) return bytes_[0] == 127;
    for (std::size_t i = 0; i < 15; ++i)
        if (bytes_[i] != 0) return false;
    return bytes_[15] == 1;
}

bool ip_address::is_multicast() const noexcept {
    return is_v4() ? (bytes_[0] & 0xf0) == 0xe0 : bytes_[0] == 0xff;
}

bool ip_address::is_link_local_unicast() const noexcept {
    return is_v4() ? (bytes_[0] == 169 && bytes_[1] == 254) : (bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80);
}

ip_address ip_address::plus(std::int64_t delta) const noexcept {
    ip_address out = *this;
    // Two's-complement add of a sign-extended 64-bit value over the big-endian byte string.
    std::uint64_t add = static_cast<std::uint64_t>(delta);
    std::uint8_t extend = delta < 0 ? 0xff : 0x00;
    unsigned carry = 0;
    for (std::size_t i = 0; i < size(); ++i) {
        std::size_t idx = size() - 1 - i;
        unsigned addend = i < 8 ? static_cast<unsigned>((add >> (8 * i)) & 0xff) : extend;
        unsigned sum = unsigned{out.bytes_[idx]} + addend + carry;
        out.bytes_[idx] = static_cast<std::uint8_t>(sum);
        carry = sum >> 8;
    }
    return out;
}

std::string ip_address::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(af(), bytes_.data(), buf, sizeof buf);
    return buf;
}

std::strong_ordering operator<=>(const ip_address& a, const ip_address& b) noexcept {
    if (a.family_ != b.family_) return a.family_ <=> b.family_;
    int c = std::memcmp(a.bytes_.data(), b.bytes_.data(), a.size());
    return c <=> 0;
}

}  // namespace wharf::net
