#include "conntrack.hpp"

#include <linux/netlink.h>
#include <netinet/in.h>

#include "netlink/conntrack.hpp"
#include "netlink/netfilter_socket.hpp"

namespace wharf::portmap {

std::size_t flush_udp_conntrack(net::family fam, const std::set<std::uint16_t>& ports) {
    if (ports.empty()) return 0;
    auto sock = netlink::netfilter_socket();
    const auto stale = netlink::conntrack::list(sock, fam, [&](const netlink::conntrack::entry& e) {
        return e.protocol == IPPROTO_UDP && e.dst_port && ports.contains(*e.dst_port);
    });
    std::size_t deleted = 0;
    for (const auto& e : stale)
        if (netlink::conntrack::remove(sock, fam, e)) ++deleted;
    return deleted;
}

}  // namespace wharf::portmap
