#include "netlink/neigh.hpp"

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "netlink/attr_parser.hpp"
#include "netlink/request.hpp"

namespace wharf::netlink::neigh {

namespace {

message neigh_message(std::uint16_t type, std::uint16_t flags, std::uint8_t family, if_index ifindex) {
    message msg(type, flags);
    auto& ndm = msg.put_header<ndmsg>();
    ndm.ndm_family = family;
    ndm.ndm_ifindex = ifindex.value;
    return msg;
}

std::uint8_t family_of(const net::ip_address& a) { return static_cast<std::uint8_t>(a.af()); }

std::string describe(const neighbour& n) {
    return "neighbour " + n.address.to_string() + " lladdr " + n.lladdr.to_string() + " dev #" +
           std::to_string(n.ifindex.value);
}

std::string describe_fdb(if_index ifindex, const net::mac& lladdr) {
    return "fdb entry " + lladdr.to_string() + " dev #" + std::to_string(ifindex.value);
}

}  // namespace

bool entry::permanent() const noexcept { return (state & NUD_PERMANENT) != 0; }

message replace_request(const neighbour& n) {
    message msg = neigh_message(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, family_of(n.address), n.ifindex);
    msg.family_header<ndmsg>().ndm_state = NUD_PERMANENT;
    msg.put_address(NDA_DST, n.address);
    msg.put_mac(NDA_LLADDR, n.lladdr);
    return msg;
}

message remove_request(const neighbour& n) {
    message msg = neigh_message(RTM_DELNEIGH, 0, family_of(n.address), n.ifindex);
    msg.put_address(NDA_DST, n.address);
    return msg;
}

message replace_fdb_request(const fdb_entry& e) {
    message msg = neigh_message(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, AF_BRIDGE, e.ifindex);
    auto& ndm = msg.family_header<ndmsg>();
    ndm.ndm_state = NUD_PERMANENT;
    ndm.ndm_flags = NTF_SELF;  // the VXLAN device's own table, not a bridge master's
    msg.put_mac(NDA_LLADDR, e.lladdr);
    msg.put_address(NDA_DST, e.dst);
    return msg;
}

message remove_fdb_request(if_index ifindex, const net::mac& lladdr) {
    message msg = neigh_message(RTM_DELNEIGH, 0, AF_BRIDGE, ifindex);
    msg.family_header<ndmsg>().ndm_flags = NTF_SELF;
    msg.put_mac(NDA_LLADDR, lladdr);
    return msg;
}

message list_request(std::uint8_t family, if_index ifindex) {
    message msg = neigh_message(RTM_GETNEIGH, 0, family, {});
    // A dump filters by link through NDA_IFINDEX (ndm_ifindex is ignored there).
    if (ifindex) msg.put_u32(NDA_IFINDEX, static_cast<std::uint32_t>(ifindex.value));
    return msg;
}

entry parse_neigh(const nlmsghdr& nlh) {
    const auto& ndm = *static_cast<const ndmsg*>(mnl_nlmsg_get_payload(&nlh));
    const auto attrs = attr_table::parse(nlh, sizeof(ndmsg), NDA_MAX);
    entry e;
    e.family = ndm.ndm_family;
    e.ifindex = if_index{ndm.ndm_ifindex};
    e.state = ndm.ndm_state;
    e.flags = ndm.ndm_flags;
    e.address = attrs.address(NDA_DST);
    e.lladdr = attrs.mac(NDA_LLADDR);
    return e;
}

namespace {

std::vector<entry> dump(socket& sock, std::uint8_t family, if_index ifindex, const std::string& what) {
    message msg = list_request(family, ifindex);
    std::vector<entry> entries;
    sock.dump(msg, what, [&](const nlmsghdr& nlh) {
        if (nlh.nlmsg_type != RTM_NEWNEIGH) return;
        entry e = parse_neigh(nlh);
        // Kernels without strict checking ignore the filter: filter here again.
        if (e.family != family || (ifindex && e.ifindex != ifindex)) return;
        entries.push_back(std::move(e));
    });
    return entries;
}

}  // namespace

void replace(socket& sock, const neighbour& n) {
    message msg = replace_request(n);
    sock.request(msg, "replace " + describe(n));
}

bool remove(socket& sock, const neighbour& n) {
    message msg = remove_request(n);
    return request_unless(sock, msg, "remove " + describe(n), {ENOENT});
}

std::vector<neighbour> list(socket& sock, if_index ifindex, net::family family) {
    const std::uint8_t af = family == net::family::v4 ? AF_INET : AF_INET6;
    const std::string what = std::string("list ") + (af == AF_INET ? "IPv4" : "IPv6") + " neighbours of link #" +
                             std::to_string(ifindex.value);
    std::vector<neighbour> found;
    for (const auto& e : dump(sock, af, ifindex, what)) {
        if (e.permanent() && e.address && e.lladdr) found.push_back({e.ifindex, *e.address, *e.lladdr});
    }
    return found;
}

void replace_fdb(socket& sock, const fdb_entry& e) {
    message msg = replace_fdb_request(e);
    sock.request(msg, "replace " + describe_fdb(e.ifindex, e.lladdr) + " dst " + e.dst.to_string());
}

bool remove_fdb(socket& sock, if_index ifindex, const net::mac& lladdr) {
    message msg = remove_fdb_request(ifindex, lladdr);
    return request_unless(sock, msg, "remove " + describe_fdb(ifindex, lladdr), {ENOENT});
}

std::vector<fdb_entry> list_fdb(socket& sock, if_index ifindex) {
    std::vector<fdb_entry> found;
    for (const auto& e : dump(sock, AF_BRIDGE, ifindex, "list fdb entries of link #" + std::to_string(ifindex.value))) {
        if ((e.flags & NTF_SELF) && e.permanent() && e.address && e.lladdr) found.push_back({e.ifindex, *e.lladdr, *e.address});
    }
    return found;
}

}  // namespace wharf::netlink::neigh
