// wharf-kernel-floor: the kernel's share of a bridge ADD or DEL, done by a minimal static program
// with no nftables, no IPAM and no JSON, for the benchmarks' floor row:
//   wharf-kernel-floor bridge NAME                 create bridge NAME, up (setup)
//   wharf-kernel-floor add BRIDGE NETNS IFNAME CIDR GATEWAY HOSTIF
//       a veth pair, HOSTIF a port of BRIDGE and up, IFNAME inside NETNS with CIDR, up, default via GATEWAY
//   wharf-kernel-floor del HOSTIF                  remove the pair (as a bridge DEL does)
// Exit status 0 on success; the kernel's message on stderr otherwise.
#include <linux/netlink.h>

#include <cstdio>
#include <exception>
#include <string>

#include "net/ip_address.hpp"
#include "net/prefix.hpp"
#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "netlink/socket.hpp"
#include "netns/netns.hpp"

using namespace wharf;

namespace {

int usage() {
    std::fprintf(stderr, "usage: wharf-kernel-floor bridge NAME | add BRIDGE NETNS IFNAME CIDR GATEWAY HOSTIF | del HOSTIF\n");
    return 2;
}

void add(const std::string& bridge, const std::string& netns_path, const std::string& ifname, const net::prefix& address,
         const net::ip_address& gateway, const std::string& host_if) {
    auto host = netlink::socket::open(NETLINK_ROUTE);
    auto ns = netns::handle::open(netns_path);
    auto container = netns::open_socket(ns, NETLINK_ROUTE);
    const auto br = netlink::link::get_link(host, bridge);
    netlink::link::create_veth(host, {.name = host_if, .peer_name = ifname, .peer_netns_fd = ns.fd()});
    const auto hv = netlink::link::get_link(host, host_if);
    netlink::link::set_master(host, hv.index, br.index);
    netlink::link::set_up(host, hv.index);
    const auto inside = netlink::link::get_link(container, ifname);
    netlink::addr::add(container, {.ifindex = inside.index, .address = address, .nodad = true});
    netlink::link::set_up(container, inside.index);
    netlink::route::add(container, {.dst = *net::prefix::parse(address.is_v4() ? "0.0.0.0/0" : "::/0"),
                                    .gateway = gateway, .ifindex = inside.index});
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string verb = argc > 1 ? argv[1] : "";
        if (verb == "bridge" && argc == 3) {
            auto host = netlink::socket::open(NETLINK_ROUTE);
            netlink::link::create_bridge(host, {.name = argv[2]});
            netlink::link::set_up(host, netlink::link::get_link(host, argv[2]).index);
            return 0;
        }
        if (verb == "add" && argc == 8) {
            auto address = net::prefix::parse(argv[5]);
            auto gateway = net::ip_address::parse(argv[6]);
            if (!address || !gateway) return usage();
            add(argv[2], argv[3], argv[4], *address, *gateway, argv[7]);
            return 0;
        }
        if (verb == "del" && argc == 3) {
            auto host = netlink::socket::open(NETLINK_ROUTE);
            return netlink::link::remove(host, std::string(argv[2])) ? 0 : 1;
        }
        return usage();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wharf-kernel-floor: %s\n", e.what());
        return 1;
    }
}
