#include "owner_tag.hpp"

#include <cstdint>
#include <cstdio>

namespace wharf::bridge {

namespace {

// FNV-1a, 64 bits: stable across builds and machines, which std::hash is not.
std::uint64_t fnv1a(std::string_view a, std::string_view b = {}, bool two = false) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto feed = [&](std::string_view s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 0x100000001b3ULL;
        }
    };
    feed(a);
    if (two) {
        feed(std::string_view("\0", 1));
        feed(b);
    }
    return h;
}

std::string hex16(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

constexpr std::size_t network_tag_len = 6 + 16;
constexpr std::size_t owner_tag_len = network_tag_len + 1 + 16;

}  // namespace

std::string network_tag(std::string_view network) { return "wharf:" + hex16(fnv1a(network)); }

std::string owner_tag(std::string_view network, std::string_view container_id, std::string_view ifname) {
    return network_tag(network) + ":" + hex16(fnv1a(container_id, ifname, true));
}

std::string tag_of(std::string_view text) {
    if (text.size() < owner_tag_len || text.substr(0, 6) != "wharf:" || text[network_tag_len] != ':') return {};
    if (text.size() > owner_tag_len && text[owner_tag_len] != ' ') return {};
    return std::string(text.substr(0, owner_tag_len));
}

}  // namespace wharf::bridge
