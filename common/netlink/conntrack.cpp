#include "netlink/conntrack.hpp"

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "netlink/attr_parser.hpp"
#include "netlink/nfnetlink.hpp"
#include "netlink/request.hpp"

namespace wharf::netlink::conntrack {

namespace {

std::string family_name(net::family family) { return family == net::family::v4 ? "IPv4" : "IPv6"; }

message ct_message(std::uint8_t command, net::family family) {
    return nfnetlink_request(NFNL_SUBSYS_CTNETLINK, command, family == net::family::v4 ? AF_INET : AF_INET6);
}

}  // namespace

message list_request(net::family family) { return ct_message(IPCTNL_MSG_CT_GET, family); }

message remove_request(net::family family, const entry& e) {
    message msg = ct_message(IPCTNL_MSG_CT_DELETE, family);
    msg.put(CTA_TUPLE_ORIG | NLA_F_NESTED, e.tuple.data(), e.tuple.size());
    if (e.zone) msg.put(CTA_ZONE, &*e.zone, sizeof *e.zone);
    return msg;
}

std::optional<entry> parse_entry(const nlmsghdr& nlh) {
    const auto attrs = attr_table::parse(nlh, sizeof(nfgenmsg), CTA_MAX);
    const nlattr* orig = attrs.get(CTA_TUPLE_ORIG);
    if (!orig) return std::nullopt;
    entry e;
    const auto* payload = static_cast<const std::uint8_t*>(mnl_attr_get_payload(orig));
    e.tuple.assign(payload, payload + mnl_attr_get_payload_len(orig));
    e.zone = attrs.u16(CTA_ZONE);
    const auto proto = attr_table::parse_nested(*orig, CTA_TUPLE_MAX).nested(CTA_TUPLE_PROTO, CTA_PROTO_MAX);
    e.protocol = proto.u8(CTA_PROTO_NUM).value_or(0);
    if (auto port = proto.u16(CTA_PROTO_DST_PORT)) e.dst_port = ntohs(*port);
    return e;
}

std::vector<entry> list(socket& sock, net::family family, const std::function<bool(const entry&)>& keep) {
    message msg = list_request(family);
    std::vector<entry> entries;
    sock.dump(msg, "dump " + family_name(family) + " conntrack entries", [&](const nlmsghdr& nlh) {
        auto e = parse_entry(nlh);
        if (e && (!keep || keep(*e))) entries.push_back(std::move(*e));
    });
    return entries;
}

bool remove(socket& sock, net::family family, const entry& e) {
    message msg = remove_request(family, e);
    std::string what = "delete an " + family_name(family) + " conntrack entry (protocol " + std::to_string(e.protocol);
    if (e.dst_port) what += ", destination port " + std::to_string(*e.dst_port);
    return request_unless(sock, msg, what + ")", {ENOENT});
}

}  // namespace wharf::netlink::conntrack
