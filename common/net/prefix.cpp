#include "net/prefix.hpp"

#include <array>
#include <charconv>

namespace wharf::net {

namespace {
// Keeps the first `length` bits of `a`; the rest become `fill` bits.
ip_address with_host_bits(const ip_address& a, unsigned length, bool fill) {
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < a.size(); ++i) {
        unsigned first_bit = static_cast<unsigned>(i * 8);
        std::uint8_t keep;
        if (length >= first_bit + 8) keep = 0xff;
        else if (length <= first_bit) keep = 0x00;
        else keep = static_cast<std::uint8_t>(0xff << (8 - (length - first_bit)));
        b[i] = static_cast<std::uint8_t>((a.data()[i] & keep) | (fill ? ~keep & 0xff : 0));
    }
    return *ip_address::from_bytes(b.data(), a.size());
}
}  // namespace

prefix::prefix(ip_address address, unsigned length) noexcept
    : address_(address), length_(length > address.bits() ? address.bits() : length) {}

std::optional<prefix> prefix::parse(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto addr = ip_address::parse(text.substr(0, slash));
    if (!addr) return std::nullopt;
    std::string_view len_text = text.substr(slash + 1);
    if (len_text.empty() || len_text.size() > 3) return std::nullopt;
    unsigned len = 0;
    auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc{} || end != len_text.data() + len_text.size() || len > addr->bits()) return std::nullopt;
    return prefix(*addr, len);
}

prefix prefix::any(family f) noexcept {
    ip_address zero = f == family::v4 ? ip_address{} : *ip_address::parse("::");
    return prefix(zero, 0);
}

ip_address prefix::network() const noexcept { return with_host_bits(address_, length_, false); }
ip_address prefix::last() const noexcept { return with_host_bits(address_, length_, true); }

ip_address prefix::mask() const noexcept {
    std::array<std::uint8_t, 16> ones;
    ones.fill(0xff);
    return with_host_bits(*ip_address::from_bytes(ones.data(), address_.size()), length_, false);
}

bool prefix::contains(const ip_address& a) const noexcept {
    return a.fam() == fam() && with_host_bits(a, length_, false) == network();
}

bool prefix::overlaps(const prefix& other) const noexcept {
    if (other.fam() != fam()) return false;
    return contains(other.network()) || other.contains(network());
}

std::uint64_t prefix::size() const noexcept {
    unsigned host_bits = address_.bits() - length_;
    if (host_bits >= 64) return UINT64_MAX;
    return std::uint64_t{1} << host_bits;
}

std::string prefix::to_string() const { return address_.to_string() + "/" + std::to_string(length_); }

}  // namespace wharf::net
