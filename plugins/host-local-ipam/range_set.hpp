#pragma once
// Range sets: what host-local allocates from. A range is a subnet with an inclusive [start, end] and
// a gateway; a range set is a list of ranges of one family, from which one address is taken.
// Parsing applies the reference plugin's defaults and rejects every inconsistency as config error 7
// naming the key and the value. Pure: no I/O.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "net/ip_address.hpp"
#include "net/prefix.hpp"

namespace wharf::ipam {

// Throws the CNI error for a malformed ipam configuration (code 7) with `msg`.
[[noreturn]] void config_error(const std::string& msg);

struct ip_range {
    net::prefix subnet;  // canonical (no host bits)
    net::ip_address start;
    net::ip_address end;
    net::ip_address gateway;

    // True when `a` lies in [start, end] (the gateway counts as contained: it is skipped, not outside).
    bool contains(const net::ip_address& a) const noexcept;
    // Allocatable addresses: [start, end] less the gateway when it lies inside. Saturates at UINT64_MAX.
    std::uint64_t size() const noexcept;
    std::string to_string() const;  // "10.1.0.0/24 (10.1.0.2-10.1.0.254)"
};

struct range_set {
    std::vector<ip_range> ranges;

    net::family fam() const noexcept { return ranges.front().subnet.fam(); }
    bool contains(const net::ip_address& a) const noexcept { return range_for(a) != nullptr; }
    const ip_range* range_for(const net::ip_address& a) const noexcept;
    std::uint64_t size() const noexcept;  // saturating sum of the ranges' sizes
    bool overlaps(const range_set& other) const noexcept;
    std::string to_string() const;  // ranges joined by ", "
};

// Parses one range object. `key` names it in errors, e.g. "ipam.ranges[0][1]".
// Defaults as the reference: gateway = subnet's first address; start = first address after the network
// address; end = last address before the IPv4 broadcast address (the last address for IPv6).
ip_range parse_range(const nlohmann::json& j, const std::string& key);

// Parses a JSON array of range objects: at least one, one family, no two ranges overlapping.
range_set parse_range_set(const nlohmann::json& j, const std::string& key);

}  // namespace wharf::ipam
