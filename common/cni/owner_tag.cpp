#include "cni/owner_tag.hpp"

#include <fmt/format.h>

#include "base/stable_hash.hpp"

namespace wharf::cni {

namespace {

constexpr std::string_view tag_start = "wharf:";
constexpr std::size_t hash_len = 16;
constexpr std::size_t max_tag = 127;  // an nftables comment without its NUL
constexpr std::size_t max_ifname = 15;

std::string hex16(std::uint64_t v) { return fmt::format("{:016x}", v); }

bool is_hex(std::string_view s) { return s.find_first_not_of("0123456789abcdef") == std::string_view::npos; }

}  // namespace

std::string network_tag_prefix(std::string_view network) {
    return std::string(tag_start) + hex16(stable_hash(network)) + ":";
}

std::string owner_tag(std::string_view network, std::string_view container_id, std::string_view ifname) {
    std::string tag = network_tag_prefix(network) + std::string(ifname) + ":";
    const std::size_t room = max_tag - tag.size();
    if (container_id.size() <= room) return tag + std::string(container_id);
    const std::size_t keep = room - 1 - hash_len;
    return tag + std::string(container_id.substr(0, keep)) + "~" + hex16(stable_hash(container_id));
}

std::optional<tag_owner> parse_owner_tag(std::string_view text) {
    const std::string_view whole = text.substr(0, text.find(' '));
    if (!whole.starts_with(tag_start) || whole.size() > max_tag) return std::nullopt;
    std::string_view rest = whole.substr(tag_start.size());
    if (rest.size() <= hash_len || rest[hash_len] != ':' || !is_hex(rest.substr(0, hash_len))) return std::nullopt;
    tag_owner o{.tag = std::string(whole), .network_hash = std::string(rest.substr(0, hash_len))};
    rest.remove_prefix(hash_len + 1);
    const auto colon = rest.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon > max_ifname) return std::nullopt;
    o.ifname = std::string(rest.substr(0, colon));
    o.container = std::string(rest.substr(colon + 1));
    if (o.container.empty()) return std::nullopt;
    return o;
}

std::string tag_of(std::string_view text) {
    auto o = parse_owner_tag(text);
    return o ? o->tag : std::string();
}

bool same_container(std::string_view a, std::string_view b) {
    auto x = parse_owner_tag(a), y = parse_owner_tag(b);
    return x && y && x->container == y->container;
}

}  // namespace wharf::cni
