#include "range_set.hpp"

#include <fmt/format.h>

#include <limits>

#include "cni/error.hpp"
#include "cni/json_field.hpp"

namespace wharf::ipam {

void config_error(const std::string& msg) { throw cni::error(cni::code::invalid_config, msg); }

using net::ip_address;
using net::prefix;

namespace {

using u128 = unsigned __int128;

u128 to_u128(const ip_address& a) noexcept {
    u128 v = 0;
    for (std::size_t i = 0; i < a.size(); ++i) v = (v << 8) | a.data()[i];
    return v;
}

std::uint64_t saturate(u128 v) noexcept {
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    return v > max ? max : static_cast<std::uint64_t>(v);
}

std::string quoted(const nlohmann::json& v) { return v.dump(); }

// An optional address-valued key: absent or null gives nullopt; anything but an address string is an error.
std::optional<ip_address> optional_address(const nlohmann::json& j, const char* name, const std::string& key) {
    const nlohmann::json* v = cni::find_value(j, name);
    if (!v) return std::nullopt;
    if (!v->is_string()) config_error(fmt::format("{}.{} must be a string, got {}", key, name, quoted(*v)));
    auto a = ip_address::parse(v->get<std::string>());
    if (!a) config_error(fmt::format("{}.{}: invalid IP address {}", key, name, quoted(*v)));
    return a;
}

// The first and last addresses a range may hand out: never the network address, never the IPv4
// broadcast address.
ip_address first_usable(const prefix& p) { return p.network().next(); }
ip_address last_usable(const prefix& p) { return p.is_v4() ? p.last().prev() : p.last(); }

}  // namespace

bool ip_range::contains(const ip_address& a) const noexcept {
    return a.fam() == start.fam() && start <= a && a <= end;
}

std::uint64_t ip_range::size() const noexcept {
    u128 n = to_u128(end) - to_u128(start) + 1;  // a whole IPv6 /0 would wrap; such a range cannot parse
    if (contains(gateway)) n -= 1;
    return saturate(n);
}

std::string ip_range::to_string() const {
    return fmt::format("{} ({}-{})", subnet.to_string(), start.to_string(), end.to_string());
}

const ip_range* range_set::range_for(const ip_address& a) const noexcept {
    for (const auto& r : ranges)
        if (r.contains(a)) return &r;
    return nullptr;
}

std::uint64_t range_set::size() const noexcept {
    u128 n = 0;
    for (const auto& r : ranges) n += r.size();
    return saturate(n);
}

bool range_set::overlaps(const range_set& other) const noexcept {
    for (const auto& a : ranges)
        for (const auto& b : other.ranges)
            if (a.contains(b.start) || a.contains(b.end) || b.contains(a.start) || b.contains(a.end)) return true;
    return false;
}

std::string range_set::to_string() const {
    std::string out;
    for (const auto& r : ranges) {
        if (!out.empty()) out += ", ";
        out += r.to_string();
    }
    return out;
}

ip_range parse_range(const nlohmann::json& j, const std::string& key) {
    if (!j.is_object()) config_error(fmt::format("{} must be an object, got {}", key, quoted(j)));
    const nlohmann::json* it = cni::find_value(j, "subnet");
    if (!it) config_error(fmt::format("{}.subnet is required", key));
    if (!it->is_string()) config_error(fmt::format("{}.subnet must be a string, got {}", key, quoted(*it)));
    const std::string text = it->get<std::string>();
    auto p = prefix::parse(text);
    if (!p) config_error(fmt::format("{}.subnet: invalid CIDR \"{}\"", key, text));
    if (!p->is_canonical())
        config_error(fmt::format("{}.subnet \"{}\" has host bits set: for a /{} the network address is {}", key,
                                 text, p->length(), p->network().to_string()));
    // Network, gateway and (IPv4) broadcast need at least a /30 or /126 to leave one address.
    if (p->length() + 2 > p->address().bits())
        config_error(fmt::format("{}.subnet \"{}\" is too small to allocate from", key, text));

    ip_range r;
    r.subnet = *p;
    const ip_address lo = first_usable(r.subnet), hi = last_usable(r.subnet);
    auto check_inside = [&](const ip_address& a, const char* name) {
        if (a.fam() != r.subnet.fam() || !r.subnet.contains(a))
            config_error(fmt::format("{}.{} \"{}\" is outside subnet {}", key, name, a.to_string(), text));
    };

    r.gateway = optional_address(j, "gateway", key).value_or(r.subnet.network().next());
    check_inside(r.gateway, "gateway");

    r.start = optional_address(j, "rangeStart", key).value_or(lo);
    check_inside(r.start, "rangeStart");
    if (r.start < lo || r.start > hi)
        config_error(fmt::format("{}.rangeStart \"{}\" is the network{} address of subnet {}", key,
                                 r.start.to_string(), r.subnet.is_v4() ? " or broadcast" : "", text));

    r.end = optional_address(j, "rangeEnd", key).value_or(hi);
    check_inside(r.end, "rangeEnd");
    if (r.end < lo || r.end > hi)
        config_error(fmt::format("{}.rangeEnd \"{}\" is the network{} address of subnet {}", key, r.end.to_string(),
                                 r.subnet.is_v4() ? " or broadcast" : "", text));
    if (r.end < r.start)
        config_error(fmt::format("{}: rangeStart \"{}\" is after rangeEnd \"{}\"", key, r.start.to_string(),
                                 r.end.to_string()));
    if (r.size() == 0)
        config_error(fmt::format("{}: range {}-{} of subnet {} holds no address besides the gateway {}", key,
                                 r.start.to_string(), r.end.to_string(), text, r.gateway.to_string()));
    return r;
}

range_set parse_range_set(const nlohmann::json& j, const std::string& key) {
    if (!j.is_array()) config_error(fmt::format("{} must be an array of ranges, got {}", key, quoted(j)));
    if (j.empty()) config_error(fmt::format("{} is empty: a range set needs at least one range", key));
    range_set set;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string rkey = fmt::format("{}[{}]", key, i);
        ip_range r = parse_range(j[i], rkey);
        if (!set.ranges.empty() && r.subnet.fam() != set.fam())
            config_error(fmt::format("{}.subnet \"{}\": a range set must not mix IPv4 and IPv6", rkey,
                                     r.subnet.to_string()));
        for (std::size_t k = 0; k < set.ranges.size(); ++k) {
            const ip_range& o = set.ranges[k];
            if (o.contains(r.start) || o.contains(r.end) || r.contains(o.start) || r.contains(o.end))
                config_error(fmt::format("{} {} overlaps {}[{}] {}", rkey, r.to_string(), key, k, o.to_string()));
        }
        set.ranges.push_back(r);
    }
    return set;
}

}  // namespace wharf::ipam
