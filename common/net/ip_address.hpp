#pragma once
// ip_address: an IPv4 or IPv6 address as a value, with the arithmetic an allocator needs.
#include <netinet/in.h>

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wharf::net {

enum class family : std::uint8_t { v4 = 4, v6 = 6 };

class ip_address {
public:
    // The unspecified IPv4 address 0.0.0.0.
    ip_address() = default;
    static ip_address v4(std::uint32_t host_order) noexcept;
    static ip_address from_in_addr(const in_addr& a) noexcept;
    static ip_address from_in6_addr(const in6_addr& a) noexcept;
    // From the raw network-order bytes: 4 for IPv4, 16 for IPv6; anything else gives nullopt.
    static std::optional<ip_address> from_bytes(const void* data, std::size_t len) noexcept;
    // Parses dotted IPv4 or textual IPv6; an IPv4-mapped IPv6 address stays IPv6.
    static std::optional<ip_address> parse(std::string_view text);

    family fam() const noexcept { return family_; }
    bool is_v4() const noexcept { return family_ == family::v4; }
    bool is_v6() const noexcept { return family_ == family::v6; }
    int af() const noexcept { return is_v4() ? AF_INET : AF_INET6; }
    unsigned bits() const noexcept { return is_v4() ? 32 : 128; }
    std::size_t size() const noexcept { return is_v4() ? 4 : 16; }
    // Network-order bytes; only the first size() are meaningful.
    const std::uint8_t* data() const noexcept { return bytes_.data(); }
    std::uint32_t v4_host_order() const noexcept;
    in_addr to_in_addr() const noexcept;
    in6_addr to_in6_addr() const noexcept;

    bool is_unspecified() const noexcept;
    bool is_loopback() const noexcept;
    bool is_multicast() const noexcept;
    bool is_link_local_unicast() const noexcept;

    // Adds a signed offset, wrapping within the family's address space.
    ip_address plus(std::int64_t delta) const noexcept;
    ip_address next() const noexcept { return plus(1); }
    ip_address prev() const noexcept { return plus(-1); }

    std::string to_string() const;

    friend bool operator==(const ip_address&, const ip_address&) = default;
    // Orders IPv4 before IPv6, then numerically.
    friend std::strong_ordering operator<=>(const ip_address& a, const ip_address& b) noexcept;

private:
    family family_ = family::v4;
    std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace wharf::net
