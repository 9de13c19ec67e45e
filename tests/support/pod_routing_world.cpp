#include "support/pod_routing_world.hpp"

#include <linux/netlink.h>

#include <stdexcept>
#include <string>

#include "netlink/addr.hpp"
#include "netlink/link.hpp"
#include "netlink/route.hpp"
#include "sys/sysctl.hpp"

namespace wharf::test {

namespace {

net::prefix pfx(const std::string& text) {
    const auto p = net::prefix::parse(text);
    if (!p) throw std::invalid_argument("bad prefix " + text);
    return *p;
}

void add_address(netlink::socket& nl, netlink::if_index link, const std::string& text) {
    netlink::addr::add(nl, {.ifindex = link, .address = pfx(text), .nodad = true});
}

}  // namespace

namespace {

std::string ping_command(const pod_routing_node& n, const net::ip_address& to, int size, bool dont_fragment, int wait_s) {
    const net::ip_address& from = to.is_v4() ? n.pod_ip4 : n.pod_ip6;
    return std::string("ping ") + (to.is_v4() ? "-4" : "-6") + " -n -q -c 1 -W " + std::to_string(wait_s) + " -s " +
           std::to_string(size) + (dont_fragment ? " -M do" : "") + " -I " + from.to_string() + " " + to.to_string() +
           " >/dev/null 2>&1";
}

}  // namespace

bool pod_routing_node::ping(const net::ip_address& to, int size, bool dont_fragment) const {
    const std::string command = ping_command(*this, to, size, dont_fragment, 2);
    for (int attempt = 0; attempt < 3; ++attempt) {
        int rc = -1;
        exec(command, &rc);
        if (rc == 0) return true;
    }
    return false;
}

bool pod_routing_node::no_answer(const net::ip_address& to, int size, bool dont_fragment) const {
    int rc = -1;
    exec(ping_command(*this, to, size, dont_fragment, 1), &rc);
    return rc != 0;
}

pod_routing_world::pod_routing_world() : underlay_(std::make_unique<netns_sandbox>("wpru")) {
    auto underlay_ns = netns::handle::open(underlay_->path());
    auto unl = netns::open_socket(underlay_ns, NETLINK_ROUTE);
    netlink::link::set_up(unl, "lo");
    {
        netns::guard in(underlay_ns);
        sys::sysctl::write("net/ipv6/conf/default/accept_dad", "0");  // for the bridges below
    }
    struct segment {
        const char* bridge;
        const char* router4;
        const char* router6;
    };
    const segment segments[] = {{"segA", "10.150.0.254/16", "fd00:150::fe/64"}, {"segB", "10.152.0.254/16", "fd00:150:2::fe/64"}};
    for (const auto& s : segments) {
        netlink::link::create_bridge(unl, {.name = s.bridge});
        const auto br = netlink::link::get_link(unl, s.bridge).index;
        add_address(unl, br, s.router4);
        add_address(unl, br, s.router6);
        netlink::link::set_up(unl, br);
    }
    {
        netns::guard in(underlay_ns);
        sys::sysctl::write("net/ipv4/ip_forward", "1");
        sys::sysctl::write("net/ipv6/conf/all/forwarding", "1");
    }
    for (int n = 1; n <= 3; ++n) {
        const bool far = n == 3;
        auto ns = std::make_unique<netns_sandbox>("wpr" + std::to_string(n));
        auto handle = netns::handle::open(ns->path());
        auto node_nl = netns::open_socket(handle, NETLINK_ROUTE);
        auto node = std::make_unique<pod_routing_node>(pod_routing_node{.number = n,
                                                                        .node_name = "node-" + std::to_string(n),
                                                                        .ns = std::move(ns),
                                                                        .handle = std::move(handle),
                                                                        .nl = std::move(node_nl)});
        const std::string n_text = std::to_string(n);
        node->ip4 = *net::ip_address::parse((far ? "10.152.0." : "10.150.0.") + n_text);
        node->ip6 = *net::ip_address::parse((far ? "fd00:150:2::" : "fd00:150::") + n_text);
        node->pod4 = pfx("10.151." + n_text + ".0/24");
        node->pod6 = pfx("fd00:150:1:" + n_text + "::/64");
        node->pod_ip4 = node->pod4.network().next();
        node->pod_ip6 = node->pod6.network().next();

        auto& nl = node->nl;
        {
            // Links made from now on skip duplicate address detection, link-local addresses too.
            netns::guard in(node->handle);
            sys::sysctl::write("net/ipv6/conf/default/accept_dad", "0");
        }
        const std::string port = "port" + n_text;
        netlink::link::create_veth(nl, {.name = "eth0", .peer_name = port, .peer_netns_fd = underlay_ns.fd()});
        const auto bridge = netlink::link::get_link(unl, far ? "segB" : "segA").index;
        netlink::link::change(unl, port, {.up = true, .master = bridge});
        const auto eth0 = netlink::link::get_link(nl, "eth0").index;
        netlink::link::set_up(nl, "lo");
        add_address(nl, eth0, node->ip4.to_string() + "/16");
        add_address(nl, eth0, node->ip6.to_string() + "/64");
        netlink::link::set_up(nl, eth0);
        // A veth pair whose ends both stay here (this kernel may lack dummy): carrier up, so the
        // IPv6 addresses are usable at once.
        netlink::link::create_veth(nl, {.name = "pods", .peer_name = "pods-peer"});
        netlink::link::set_up(nl, "pods-peer");
        const auto pods = netlink::link::get_link(nl, "pods").index;
        add_address(nl, pods, node->pod_ip4.to_string() + "/24");
        add_address(nl, pods, node->pod_ip6.to_string() + "/64");
        netlink::link::set_up(nl, pods);
        netlink::route::add(nl, {.dst = net::prefix::any(net::family::v4), .gateway = *net::ip_address::parse(far ? "10.152.0.254" : "10.150.0.254"), .ifindex = eth0});
        netlink::route::add(nl, {.dst = net::prefix::any(net::family::v6), .gateway = *net::ip_address::parse(far ? "fd00:150:2::fe" : "fd00:150::fe"), .ifindex = eth0});
        nodes_.push_back(std::move(node));
    }
}

}  // namespace wharf::test
