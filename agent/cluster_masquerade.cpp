#include "cluster_masquerade.hpp"

#include <cerrno>

#include "log/logging.hpp"
#include "nft/error.hpp"
#include "nft/list.hpp"
#include "nft/objects.hpp"
#include "nft/rule.hpp"
#include "nft/transaction.hpp"

namespace wharf::agent {

namespace {

using nft::family;

constexpr const char* chain_name = "postrouting";
constexpr std::int32_t srcnat_priority = 100;

nft::base_chain postrouting_hook() {
    return nft::base_chain{.type = "nat", .hook = nft::hook::postrouting, .priority = srcnat_priority};
}

struct wanted_rule {
    net::prefix pods;
    net::prefix cluster;
    std::string comment() const { return "wharfd:masq " + pods.to_string() + " !" + cluster.to_string(); }
};

std::vector<wanted_rule> wanted(const cluster_masquerade& m) {
    std::vector<wanted_rule> out;
    for (const auto& pods : m.pod_cidrs)
        for (const auto& cluster : m.cluster_cidrs)
            if (cluster.fam() == pods.fam()) out.push_back({pods.canonical(), cluster.canonical()});
    return out;
}

bool chain_is_right(netlink::socket& nf) {
    for (const auto& c : nft::list_chains(nf, family::inet, cluster_table)) {
        if (c.name != chain_name) return false;  // a chain that is not ours: make the table anew
        const auto want = postrouting_hook();
        if (!c.base || c.base->type != want.type || c.base->hook != want.hook || c.base->priority != want.priority)
            return false;
    }
    return true;
}

}  // namespace

std::vector<std::string> masquerade_comments(netlink::socket& nf) {
    std::vector<std::string> out;
    if (!nft::find_table(nf, family::inet, cluster_table)) return out;
    for (const auto& r : nft::list_rules(nf, family::inet, cluster_table, chain_name)) out.push_back(r.comment);
    return out;
}

bool sync_cluster_masquerade(netlink::socket& nf, const cluster_masquerade& m) {
    const auto rules = wanted(m);
    std::vector<std::string> want;
    for (const auto& r : rules) want.push_back(r.comment());
    const bool present = nft::find_table(nf, family::inet, cluster_table).has_value();
    if (present && chain_is_right(nf) && masquerade_comments(nf) == want) return false;

    nft::transaction tx{nf};
    const nft::table table{family::inet, cluster_table};
    tx.add(table);     // so that the delete below finds it, whatever was there
    tx.remove(table);  // the old rules go in the same batch as the new ones come
    tx.add(table);
    tx.add(nft::chain{.fam = family::inet, .table = cluster_table, .name = chain_name, .base = postrouting_hook()});
    for (const auto& r : rules) {
        const auto multicast = *net::prefix::parse(r.pods.is_v4() ? "224.0.0.0/4" : "ff00::/8");
        tx.add(nft::rule{family::inet, cluster_table, chain_name}
                   .match_saddr(r.pods)
                   .match_daddr(r.cluster, nft::cmp_op::neq)
                   .match_daddr(multicast, nft::cmp_op::neq)
                   .counter()
                   .masquerade()
                   .comment(r.comment()));
    }
    tx.commit();
    log::info("wharfd: cluster masquerade {} ({} rule(s))", present ? "corrected" : "made", rules.size());
    return true;
}

bool remove_cluster_masquerade(netlink::socket& nf) {
    if (!nft::find_table(nf, family::inet, cluster_table)) return false;
    nft::transaction tx{nf};
    tx.remove(nft::table{family::inet, cluster_table});
    try {
        tx.commit();
    } catch (const nft::error& e) {
        if (e.code_value() == ENOENT) return false;
        throw;
    }
    return true;
}

}  // namespace wharf::agent
