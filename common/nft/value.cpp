#include "nft/value.hpp"

#include <arpa/inet.h>
#include <linux/if.h>  // IFNAMSIZ (not net/if.h, which clashes with linux/if.h in a unity batch)

#include <cstring>
#include <stdexcept>
#include <string>

namespace wharf::nft {

bytes addr(const net::ip_address& a) { return bytes(a.data(), a.data() + a.size()); }

bytes port(std::uint16_t host_order) {
    std::uint16_t n = htons(host_order);
    bytes b(sizeof n);
    std::memcpy(b.data(), &n, sizeof n);
    return b;
}

bytes proto(std::uint8_t protocol) { return bytes{protocol}; }

bytes u32(std::uint32_t host_order) {
    bytes b(sizeof host_order);
    std::memcpy(b.data(), &host_order, sizeof host_order);
    return b;
}

bytes ifname(std::string_view name) {
    if (name.size() >= IFNAMSIZ) throw std::invalid_argument("interface name too long: " + std::string(name));
    bytes b(IFNAMSIZ, 0);
    std::memcpy(b.data(), name.data(), name.size());
    return b;
}

bytes ether(const net::mac& m) { return bytes(m.data(), m.data() + 6); }

bytes concat(std::initializer_list<bytes> members) {
    bytes out;
    for (const bytes& m : members) {
        out.insert(out.end(), m.begin(), m.end());
        out.resize((out.size() + 3) / 4 * 4, 0);
    }
    return out;
}

}  // namespace wharf::nft
