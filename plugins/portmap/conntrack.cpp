#include "conntrack.hpp"

#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <vector>

#include "netlink/attr_parser.hpp"
#include "netlink/error.hpp"
#include "netlink/message.hpp"
#include "netlink/nfnetlink.hpp"
#include "netlink/socket.hpp"

namespace wharf::portmap {

namespace {

netlink::message ct_request(std::uint8_t msg, net::family fam) {
    return netlink::nfnetlink_request(NFNL_SUBSYS_CTNETLINK, msg, fam == net::family::v4 ? AF_INET : AF_INET6);
}

// The raw payload of an entry's CTA_TUPLE_ORIG (to send back in its delete) and its zone.
struct stale_entry {
    std::vector<std::uint8_t> tuple;
    std::optional<std::uint16_t> zone;  // network order, as the kernel sent it
};

}  // namespace

std::size_t flush_udp_conntrack(net::family fam, const std::set<std::uint16_t>& ports) {
    if (ports.empty()) return 0;
    auto sock = netlink::socket::open(NETLINK_NETFILTER);
    const std::string family_name = fam == net::family::v4 ? "ipv4" : "ipv6";

    std::vector<stale_entry> stale;
    auto dump = ct_request(IPCTNL_MSG_CT_GET, fam);
    sock.dump(dump, "dump " + family_name + " conntrack entries", [&](const nlmsghdr& nlh) {
        auto attrs = netlink::attr_table::parse(nlh, sizeof(nfgenmsg), CTA_MAX);
        const nlattr* orig = attrs.get(CTA_TUPLE_ORIG);
        if (!orig) return;
        auto tuple = netlink::attr_table::parse_nested(*orig, CTA_TUPLE_MAX);
        auto proto = tuple.nested(CTA_TUPLE_PROTO, CTA_PROTO_MAX);
        if (proto.u8(CTA_PROTO_NUM) != IPPROTO_UDP) return;
        auto dport = proto.u16(CTA_PROTO_DST_PORT);
        if (!dport || !ports.contains(ntohs(*dport))) return;
        stale_entry e;
        const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(orig));
        e.tuple.assign(p, p + mnl_attr_get_payload_len(orig));
        if (auto z = attrs.u16(CTA_ZONE)) e.zone = *z;
        stale.push_back(std::move(e));
    });

    std::size_t deleted = 0;
    for (const auto& e : stale) {
        auto del = ct_request(IPCTNL_MSG_CT_DELETE, fam);
        del.put(CTA_TUPLE_ORIG | NLA_F_NESTED, e.tuple.data(), e.tuple.size());
        if (e.zone) del.put(CTA_ZONE, &*e.zone, sizeof *e.zone);
        try {
            sock.request(del, "delete a stale " + family_name + " UDP conntrack entry");
            ++deleted;
        } catch (const netlink::error& err) {
            if (err.code_value() != ENOENT) throw;  // gone already: someone else deleted it or it expired
        }
    }
    return deleted;
}

}  // namespace wharf::portmap
