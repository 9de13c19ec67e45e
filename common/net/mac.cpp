#include "net/mac.hpp"

#include <sys/random.h>

#include <cstdio>

namespace wharf::net {

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<mac> mac::parse(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    char sep = text[2];
    if (sep != ':' && sep != '-') return std::nullopt;
    std::array<std::uint8_t, 6> b{};
    for (std::size_t i = 0; i < 6; ++i) {
        std::size_t at = i * 3;
        int hi = hex_value(text[at]);
        int lo = hex_value(text[at + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        if (i < 5 && text[at + 2] != sep) return std::nullopt;
        b[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return mac(b);
}

mac mac::random() {
    std::array<std::uint8_t, 6> b{};
    std::size_t got = 0;
    while (got < b.size()) {
        ssize_t n = getrandom(b.data() + got, b.size() - got, 0);
        if (n > 0) got += static_cast<std::size_t>(n);
    }
    b[0] = static_cast<std::uint8_t>((b[0] & 0xfe) | 0x02);  // unicast, locally administered
    return mac(b);
}

bool mac::is_zero() const noexcept {
    for (auto v : bytes_)
        if (v != 0) return false;
    return true;
}

std::string mac::to_string() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes_[0], bytes_[1], bytes_[2], bytes_[3],
                  bytes_[4], bytes_[5]);
    return buf;
}

}  // namespace wharf::net
