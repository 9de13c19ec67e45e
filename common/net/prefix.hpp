#pragma once
// prefix: an address with a prefix length, as CNI writes it ("10.1.2.3/24"). It may keep host bits
// (a container's address) or be canonical (a subnet): network() drops them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/ip_address.hpp"

namespace wharf::net {

class prefix {
public:
    prefix() = default;
    prefix(ip_address address, unsigned length) noexcept;
    // Parses "addr/len"; a bare address without "/len" is rejected.
    static std::optional<prefix> parse(std::string_view text);
    static prefix any(family f) noexcept;  // 0.0.0.0/0 or ::/0

    const ip_address& address() const noexcept { return address_; }
    unsigned length() const noexcept { return length_; }
    family fam() const noexcept { return address_.fam(); }
    bool is_v4() const noexcept { return address_.is_v4(); }

    ip_address network() const noexcept;    // host bits cleared
    ip_address last() const noexcept;       // host bits set (the IPv4 broadcast address)
    prefix canonical() const noexcept { return prefix(network(), length_); }
    bool is_canonical() const noexcept { return network() == address_; }
    bool contains(const ip_address& a) const noexcept;
    bool overlaps(const prefix& other) const noexcept;
    // The netmask as an address (255.255.255.0 for /24).
    ip_address mask() const noexcept;
    // 2^(bits-length), saturated at UINT64_MAX.
    std::uint64_t size() const noexcept;

    std::string to_string() const;
    friend bool operator==(const prefix&, const prefix&) = default;

private:
    ip_address address_;
    unsigned length_ = 0;
};

}  // namespace wharf::net
