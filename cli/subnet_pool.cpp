#include "cli/subnet_pool.hpp"

namespace wharf::cli {

std::vector<net::prefix> default_pools() {
    std::vector<net::prefix> out;
    // 172.17.0.0/16 to 172.31.0.0/16, then the sixteen /20s of 192.168.0.0/16 (Docker's defaults).
    for (std::uint32_t second = 17; second <= 31; ++second)
        out.emplace_back(net::ip_address::v4((172u << 24) | (second << 16)), 16);
    for (std::uint32_t third = 0; third < 256; third += 16)
        out.emplace_back(net::ip_address::v4((192u << 24) | (168u << 16) | (third << 8)), 20);
    return out;
}

const used_subnet* find_overlap(const net::prefix& subnet, const std::vector<used_subnet>& used) {
    for (const auto& u : used)
        if (u.subnet.overlaps(subnet)) return &u;
    return nullptr;
}

std::optional<net::prefix> pick_free_subnet(const std::vector<used_subnet>& used, const std::vector<net::prefix>& pools) {
    for (const auto& pool : pools)
        if (!find_overlap(pool, used)) return pool;
    return std::nullopt;
}

}  // namespace wharf::cli
