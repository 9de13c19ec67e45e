#include "owner.hpp"

#include <cstdint>
#include <cstdio>

namespace wharf::portmap {

namespace {

constexpr std::string_view tag_start = "wpm:";
constexpr std::size_t hash_len = 16;
constexpr std::size_t max_tag = 127;  // an nftables comment without its NUL

// FNV-1a, 64 bits: stable across builds and machines, which std::hash is not.
std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::string hex16(std::uint64_t v) {
    char buf[hash_len + 1];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

}  // namespace

std::string network_prefix(std::string_view network) { return std::string(tag_start) + hex16(fnv1a(network)) + ":"; }

std::string owner_tag(std::string_view network, std::string_view container_id, std::string_view ifname) {
    std::string tag = network_prefix(network) + std::string(ifname) + ":";
    const std::size_t room = max_tag - tag.size();
    if (container_id.size() <= room) return tag + std::string(container_id);
    const std::size_t keep = room - 1 - hash_len;
    return tag + std::string(container_id.substr(0, keep)) + "~" + hex16(fnv1a(container_id));
}

std::optional<owner> parse_owner(std::string_view tag) {
    if (!tag.starts_with(tag_start)) return std::nullopt;
    tag.remove_prefix(tag_start.size());
    if (tag.size() < hash_len + 1 || tag[hash_len] != ':') return std::nullopt;
    owner o;
    o.network_hash = std::string(tag.substr(0, hash_len));
    tag.remove_prefix(hash_len + 1);
    auto colon = tag.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    o.ifname = std::string(tag.substr(0, colon));
    o.container = std::string(tag.substr(colon + 1));
    if (o.container.empty()) return std::nullopt;
    return o;
}

bool same_container(std::string_view a, std::string_view b) {
    auto x = parse_owner(a), y = parse_owner(b);
    return x && y && x->container == y->container;
}

}  // namespace wharf::portmap
