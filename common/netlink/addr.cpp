#include "netlink/addr.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <cerrno>

#include "netlink/attr_parser.hpp"
#include "netlink/request.hpp"

namespace wharf::netlink::addr {

namespace {

std::string describe(if_index ifindex, const net::prefix& address) {
    return "address " + address.to_string() + " on link #" + std::to_string(ifindex.value);
}

message addr_message(std::uint16_t type, std::uint16_t flags, if_index ifindex, const net::prefix& address) {
    message msg(type, flags);
    auto& ifa = msg.put_header<ifaddrmsg>();
    ifa.ifa_family = static_cast<std::uint8_t>(address.address().af());
    ifa.ifa_prefixlen = static_cast<std::uint8_t>(address.length());
    ifa.ifa_index = static_cast<std::uint32_t>(ifindex.value);
    // IFA_LOCAL is the interface's own address; IFA_ADDRESS the same unless point-to-point.
    msg.put_address(IFA_LOCAL, address.address());
    msg.put_address(IFA_ADDRESS, address.address());
    return msg;
}

}  // namespace

message add_request(const options& o) {
    const std::uint16_t flags = NLM_F_CREATE | (o.replace ? NLM_F_REPLACE : NLM_F_EXCL);
    message msg = addr_message(RTM_NEWADDR, flags, o.ifindex, o.address);
    auto& ifa = msg.family_header<ifaddrmsg>();
    ifa.ifa_scope = o.scope.value_or(RT_SCOPE_UNIVERSE);
    std::uint32_t ifa_flags = 0;
    if (o.nodad && !o.address.is_v4()) ifa_flags |= IFA_F_NODAD;
    ifa.ifa_flags = static_cast<std::uint8_t>(ifa_flags & 0xff);
    if (ifa_flags != 0) msg.put_u32(IFA_FLAGS, ifa_flags);
    // Like `ip addr add ... brd +`: the broadcast address of the subnet, where there is one.
    if (o.address.is_v4() && o.address.length() < 31) msg.put_address(IFA_BROADCAST, o.address.last());
    return msg;
}

message remove_request(if_index ifindex, const net::prefix& address) {
    return addr_message(RTM_DELADDR, 0, ifindex, address);
}

void add(socket& sock, const options& options) {
    message msg = add_request(options);
    sock.request(msg, std::string(options.replace ? "replace " : "add ") + describe(options.ifindex, options.address));
}

bool remove(socket& sock, if_index ifindex, const net::prefix& address) {
    message msg = remove_request(ifindex, address);
    return request_unless(sock, msg, "remove " + describe(ifindex, address), {EADDRNOTAVAIL, ENODEV});
}

entry parse_address(const nlmsghdr& nlh) {
    const auto& ifa = *static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(&nlh));
    const auto attrs = attr_table::parse(nlh, sizeof(ifaddrmsg), IFA_MAX);
    // On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL, when present, is ours.
    auto address = attrs.address(IFA_LOCAL);
    if (!address) address = attrs.address(IFA_ADDRESS);
    entry e;
    e.ifindex = if_index{static_cast<int>(ifa.ifa_index)};
    if (address) e.address = net::prefix(*address, ifa.ifa_prefixlen);
    e.flags = attrs.u32(IFA_FLAGS).value_or(ifa.ifa_flags);
    e.scope = ifa.ifa_scope;
    return e;
}

std::vector<entry> list(socket& sock, if_index ifindex, std::optional<net::family> family) {
    message msg(RTM_GETADDR);
    auto& ifa = msg.put_header<ifaddrmsg>();
    if (family) ifa.ifa_family = *family == net::family::v4 ? AF_INET : AF_INET6;
    ifa.ifa_index = static_cast<std::uint32_t>(ifindex.value);  // a kernel filter under strict checking
    std::string what = "list addresses";
    if (ifindex) what += " of link #" + std::to_string(ifindex.value);
    std::vector<entry> entries;
    sock.dump(msg, what, [&](const nlmsghdr& nlh) {
        if (nlh.nlmsg_type != RTM_NEWADDR) return;
        const auto& reply = *static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(&nlh));
        if (ifindex && static_cast<int>(reply.ifa_index) != ifindex.value) return;
        if (reply.ifa_family != AF_INET && reply.ifa_family != AF_INET6) return;
        entries.push_back(parse_address(nlh));
    });
    return entries;
}

}  // namespace wharf::netlink::addr
