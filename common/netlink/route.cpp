#include "netlink/route.hpp"

#include <linux/rtnetlink.h>

#include <cerrno>

#include "netlink/attr_parser.hpp"
#include "netlink/request.hpp"

namespace wharf::netlink::route {

namespace {

std::string describe(const options& o) {
    std::string text = "route " + o.dst.canonical().to_string();
    if (o.gateway) text += " via " + o.gateway->to_string();
    if (o.ifindex) text += " dev #" + std::to_string(o.ifindex.value);
    if (o.table != RT_TABLE_MAIN) text += " table " + std::to_string(o.table);
    if (o.metric) text += " metric " + std::to_string(*o.metric);
    if (o.onlink) text += " onlink";
    return text;
}

message route_message(std::uint16_t type, std::uint16_t flags, const options& o) {
    message msg(type, flags);
    auto& rtm = msg.put_header<rtmsg>();
    rtm.rtm_family = static_cast<std::uint8_t>(o.dst.address().af());
    rtm.rtm_dst_len = static_cast<std::uint8_t>(o.dst.length());
    // Tables above 255 only fit in RTA_TABLE; rtm_table then says RT_TABLE_UNSPEC.
    rtm.rtm_table = o.table < 256 ? static_cast<std::uint8_t>(o.table) : std::uint8_t{RT_TABLE_UNSPEC};
    rtm.rtm_protocol = o.protocol;
    rtm.rtm_type = o.type;
    rtm.rtm_scope = o.scope.value_or(o.gateway || !o.ifindex ? std::uint8_t{RT_SCOPE_UNIVERSE} : std::uint8_t{RT_SCOPE_LINK});
    if (o.onlink) rtm.rtm_flags |= RTNH_F_ONLINK;
    msg.put_u32(RTA_TABLE, o.table);
    if (o.dst.length() > 0) msg.put_address(RTA_DST, o.dst.network());
    if (o.gateway) msg.put_address(RTA_GATEWAY, *o.gateway);
    if (o.ifindex) msg.put_u32(RTA_OIF, static_cast<std::uint32_t>(o.ifindex.value));
    if (o.metric) msg.put_u32(RTA_PRIORITY, *o.metric);
    if (o.src) msg.put_address(RTA_PREFSRC, *o.src);
    return msg;
}

}  // namespace

message add_request(const options& o, bool replace) {
    const std::uint16_t flags = NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);
    message msg = route_message(RTM_NEWROUTE, flags, o);
    if (o.mtu || o.advmss) {
        nested metrics(msg, RTA_METRICS);
        if (o.mtu) msg.put_u32(RTAX_MTU, *o.mtu);
        if (o.advmss) msg.put_u32(RTAX_ADVMSS, *o.advmss);
    }
    return msg;
}

message remove_request(const options& o) {
    message msg = route_message(RTM_DELROUTE, 0, o);
    // A deletion matches on what it names; scope and protocol left open match any.
    auto& rtm = msg.family_header<rtmsg>();
    rtm.rtm_scope = o.scope.value_or(RT_SCOPE_NOWHERE);
    rtm.rtm_protocol = RTPROT_UNSPEC;
    return msg;
}

void add(socket& sock, const options& options) {
    message msg = add_request(options, false);
    sock.request(msg, "add " + describe(options));
}

void replace(socket& sock, const options& options) {
    message msg = add_request(options, true);
    sock.request(msg, "replace " + describe(options));
}

bool remove(socket& sock, const options& options) {
    message msg = remove_request(options);
    return request_unless(sock, msg, "remove " + describe(options), {ESRCH, ENOENT});
}

entry parse_route(const nlmsghdr& nlh) {
    const auto& rtm = *static_cast<const rtmsg*>(mnl_nlmsg_get_payload(&nlh));
    const auto attrs = attr_table::parse(nlh, sizeof(rtmsg), RTA_MAX);
    entry e;
    const auto dst = attrs.address(RTA_DST);
    if (dst) {
        e.dst = net::prefix(*dst, rtm.rtm_dst_len);
    } else {
        e.dst = net::prefix::any(rtm.rtm_family == AF_INET6 ? net::family::v6 : net::family::v4);
    }
    e.gateway = attrs.address(RTA_GATEWAY);
    e.ifindex = if_index{static_cast<int>(attrs.u32(RTA_OIF).value_or(0))};
    e.table = attrs.u32(RTA_TABLE).value_or(rtm.rtm_table);
    e.metric = attrs.u32(RTA_PRIORITY);
    e.scope = rtm.rtm_scope;
    e.protocol = rtm.rtm_protocol;
    e.type = rtm.rtm_type;
    e.onlink = (rtm.rtm_flags & RTNH_F_ONLINK) != 0;
    e.src = attrs.address(RTA_PREFSRC);
    const auto metrics = attrs.nested(RTA_METRICS, RTAX_MAX);
    e.mtu = metrics.u32(RTAX_MTU);
    e.advmss = metrics.u32(RTAX_ADVMSS);
    return e;
}

message lookup_request(const net::ip_address& destination) {
    message msg(RTM_GETROUTE);
    auto& rtm = msg.put_header<rtmsg>();
    rtm.rtm_family = static_cast<std::uint8_t>(destination.af());
    rtm.rtm_dst_len = static_cast<std::uint8_t>(destination.bits());
    msg.put_address(RTA_DST, destination);
    return msg;
}

entry lookup(socket& sock, const net::ip_address& destination) {
    message msg = lookup_request(destination);
    return parse_route(sock.get(msg, "look up the route to " + destination.to_string()).header());
}

message list_request(net::family family, const filter& selection) {
    message msg(RTM_GETROUTE);
    auto& rtm = msg.put_header<rtmsg>();
    rtm.rtm_family = family == net::family::v4 ? AF_INET : AF_INET6;
    if (selection.protocol) rtm.rtm_protocol = *selection.protocol;
    return msg;
}

std::vector<entry> list(socket& sock, net::family family, std::optional<std::uint32_t> table) {
    return list(sock, family, filter{.table = table});
}

std::vector<entry> list(socket& sock, net::family family, const filter& selection) {
    message msg = list_request(family, selection);
    std::string what = std::string("list ") + (family == net::family::v4 ? "IPv4" : "IPv6") + " routes";
    if (selection.table) what += " of table " + std::to_string(*selection.table);
    if (selection.protocol) what += " of protocol " + std::to_string(*selection.protocol);
    std::vector<entry> entries;
    sock.dump(msg, what, [&](const nlmsghdr& nlh) {
        if (nlh.nlmsg_type != RTM_NEWROUTE) return;
        const auto& rtm = *static_cast<const rtmsg*>(mnl_nlmsg_get_payload(&nlh));
        if (rtm.rtm_flags & RTM_F_CLONED) return;  // cache entries, not configured routes
        entry e = parse_route(nlh);
        if (selection.table && e.table != *selection.table) return;
        if (selection.protocol && e.protocol != *selection.protocol) return;
        entries.push_back(std::move(e));
    });
    return entries;
}

}  // namespace wharf::netlink::route
