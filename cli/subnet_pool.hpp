#pragma once
// Free subnets for `wharf net create`, as Docker's default address pools hand them out: the first of
// 172.17.0.0/16 ... 172.31.0.0/16, then 192.168.0.0/20 ... 192.168.240.0/20, that overlaps nothing in
// use (a route of the host, or a subnet of another network). Pure: the caller gathers what is in use.
#include <optional>
#include <string>
#include <vector>

#include "net/prefix.hpp"

namespace wharf::cli {

// A subnet that is taken, and by what, in words for an error: `network "db" (/etc/cni/net.d/db.conflist)`,
// `route 172.17.0.0/16 dev docker0`.
struct used_subnet {
    net::prefix subnet;
    std::string owner;
};

// Docker's default pools, in the order they are tried.
std::vector<net::prefix> default_pools();

// The first entry of `used` that overlaps `subnet`, or nullptr.
const used_subnet* find_overlap(const net::prefix& subnet, const std::vector<used_subnet>& used);

// The first pool that overlaps nothing in `used`; nullopt when every pool is taken.
std::optional<net::prefix> pick_free_subnet(const std::vector<used_subnet>& used,
                                            const std::vector<net::prefix>& pools = default_pools());

}  // namespace wharf::cli
