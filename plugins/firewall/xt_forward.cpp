#include "xt_forward.hpp"

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_conntrack.h>

#include <cstring>

#include "cni/error.hpp"
#include "cni/owner_tag.hpp"
#include "nft/list.hpp"
#include "nft/rule.hpp"

namespace wharf::firewall::xt {

namespace {

using nft::family;

// `-m conntrack --ctstate RELATED,ESTABLISHED` as iptables' libxt_conntrack fills it (revision 3).
nft::bytes ctstate_related_established() {
    xt_conntrack_mtinfo3 info{};
    info.match_flags = XT_CONNTRACK_STATE;
    info.state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) | XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
    nft::bytes out(XT_ALIGN(sizeof info), 0);
    std::memcpy(out.data(), &info, sizeof info);
    return out;
}

net::prefix host_prefix(const net::ip_address& a) { return net::prefix(a, a.bits()); }

std::string family_name(family fam) { return std::string(nft::name(fam)) + " " + filter_table; }

}  // namespace

std::size_t host_filter::owned_by(const std::string& tag) const {
    std::size_t n = 0;
    for (const auto& r : cni_rules) n += r.comment == tag ? 1 : 0;
    return n;
}

host_filter read_host_filter(netlink::socket& sock, family fam, bool table_exists) {
    host_filter now{.fam = fam};
    if (!table_exists) return now;
    for (const auto& c : nft::list_chains(sock, fam, filter_table)) {
        if (c.name == forward_chain && c.base && c.base->hook == nft::hook::forward) now.forward = true;
        if (c.name == cni_forward && !c.base) now.cni_forward_exists = true;
    }
    if (!now.forward) return now;
    for (const auto& r : nft::list_rules(sock, fam, filter_table, forward_chain))
        now.dispatched = now.dispatched || r.comment == dispatch_comment;
    if (now.cni_forward_exists) {
        now.cni_rules = nft::list_rules(sock, fam, filter_table, cni_forward);
        for (const auto& r : now.cni_rules) now.admin_jump = now.admin_jump || r.comment == admin_comment;
    }
    return now;
}

void add_attachment(nft::transaction& tx, const host_filter& now, const std::string& admin_chain,
                    const std::string& tag, const std::vector<net::ip_address>& addresses) {
    if (!now.forward || addresses.empty()) return;
    tx.add(nft::chain{.fam = now.fam, .table = filter_table, .name = cni_forward});
    tx.add(nft::chain{.fam = now.fam, .table = filter_table, .name = admin_chain});
    if (!now.dispatched)
        tx.insert(nft::rule{now.fam, filter_table, forward_chain}.counter().jump(cni_forward).comment(dispatch_comment));
    if (!now.admin_jump)
        tx.insert(nft::rule{now.fam, filter_table, cni_forward}.counter().jump(admin_chain).comment(admin_comment));
    if (now.owned_by(tag) == 2 * addresses.size()) return;  // ADD again: the rules are there
    remove_owned(tx, now, [&](const std::string& t) { return t == tag; });
    for (const auto& a : addresses) {
        tx.add(nft::rule{now.fam, filter_table, cni_forward}
                   .match_daddr(host_prefix(a))
                   .xt_match("conntrack", 3, ctstate_related_established())
                   .counter()
                   .accept()
                   .comment(tag));
        tx.add(nft::rule{now.fam, filter_table, cni_forward}.match_saddr(host_prefix(a)).counter().accept().comment(tag));
    }
}

std::size_t remove_owned(nft::transaction& tx, const host_filter& now, const std::function<bool(const std::string&)>& doomed) {
    std::size_t n = 0;
    for (const auto& r : now.cni_rules) {
        const std::string tag = cni::tag_of(r.comment);
        if (tag.empty() || tag != r.comment || !doomed(tag)) continue;
        tx.remove(nft::rule_ref{now.fam, filter_table, cni_forward, r.handle});
        ++n;
    }
    return n;
}

void verify(const host_filter& now, const std::string& tag, std::size_t count) {
    if (!now.forward || count == 0) return;
    auto fail = [&](const std::string& what) {
        throw cni::error(cni::code::internal, "iptables " + what + " is missing", "table " + family_name(now.fam));
    };
    if (!now.dispatched) fail("FORWARD's jump to " + std::string(cni_forward));
    if (!now.admin_jump) fail(std::string(cni_forward) + "'s jump to the admin chain");
    if (now.owned_by(tag) != 2 * count)
        throw cni::error(cni::code::internal,
                         "iptables " + std::string(cni_forward) + " holds " + std::to_string(now.owned_by(tag)) +
                             " rules of this attachment, not " + std::to_string(2 * count),
                         "table " + family_name(now.fam) + ", comment " + tag);
}

}  // namespace wharf::firewall::xt
