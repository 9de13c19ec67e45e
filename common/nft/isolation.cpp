#include "nft/isolation.hpp"

#include <linux/netfilter/nf_tables.h>

#include "nft/rule.hpp"
#include "nft/value.hpp"

namespace wharf::nft::isolation {

namespace {

constexpr std::uint32_t ifname_len = 16;
constexpr const char* members_name = "isolated";
constexpr const char* pairs_name = "isolated_self";

}  // namespace

set_ref members(const layout& l) { return {l.fam, l.table, members_name}; }
set_ref pairs(const layout& l) { return {l.fam, l.table, pairs_name}; }

void add_sets(transaction& tx, const layout& l) {
    tx.add(set{.fam = l.fam, .table = l.table, .name = members_name, .key_type = datatype::ifname, .key_len = ifname_len});
    tx.add(set{.fam = l.fam, .table = l.table, .name = pairs_name,
               .key_type = datatype::concat({datatype::ifname, datatype::ifname}), .key_len = 2 * ifname_len});
}

void add_rules(transaction& tx, const layout& l) {
    tx.add(rule{l.fam, l.table, l.chain}
               .load_meta(NFT_META_IIFNAME, reg32(0))
               .load_meta(NFT_META_OIFNAME, reg32(4))
               .lookup(pairs_name, reg32(0))
               .accept());
    tx.add(drop_between(l.fam, l.table, l.chain, members_name));
}

rule drop_between(family fam, const std::string& table, const std::string& chain, const std::string& set) {
    rule r{fam, table, chain};
    r.load_meta(NFT_META_IIFNAME, reg1).lookup(set, reg1).load_meta(NFT_META_OIFNAME, reg1).lookup(set, reg1).drop();
    return r;
}

element member(const std::string& bridge, const std::string& comment) {
    return element{.key = ifname(bridge), .comment = comment};
}

element pair(const std::string& bridge, const std::string& comment) {
    return element{.key = concat({ifname(bridge), ifname(bridge)}), .comment = comment};
}

}  // namespace wharf::nft::isolation
