#include "routing/config.hpp"

#include <array>

#include "base/in_quotes.hpp"
#include "base/stable_hash.hpp"

namespace wharf::agent::routing {

backend parse_backend(std::string_view text) {
    if (text == "host-gw") return backend::host_gw;
    if (text == "vxlan") return backend::vxlan;
    if (text == "auto") return backend::auto_;
    throw backend_error("unknown routing backend " + in_quotes(std::string(text)) +
                        ": expected \"host-gw\", \"vxlan\" or \"auto\"");
}

std::string to_string(backend b) {
    switch (b) {
        case backend::host_gw: return "host-gw";
        case backend::vxlan: return "vxlan";
        case backend::auto_: return "auto";
    }
    return "unknown";
}

net::mac vxlan_mac(std::string_view node_name) {
    const std::uint64_t h = stable_hash(node_name);
    std::array<std::uint8_t, 6> bytes;
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(h >> (8 * i));
    bytes[0] = static_cast<std::uint8_t>((bytes[0] | 0x02) & ~0x01);  // locally administered, unicast
    return net::mac(bytes);
}

net::ip_address tunnel_address(const net::prefix& pod_cidr) { return pod_cidr.network(); }

}  // namespace wharf::agent::routing
