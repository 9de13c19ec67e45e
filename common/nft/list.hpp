#pragma once
// Reads of the nftables ruleset, for CHECK and garbage collection: gets and dumps on a
// NETLINK_NETFILTER netlink::socket.
// A dump interrupted by a concurrent change is retried. Errors throw nft::error.
//
//   if (!nft::find_table(sock, family::inet, "wharf_nat")) ...
//   for (const auto& r : nft::list_rules(sock, family::inet, "wharf_nat", "postrouting"))
//       if (r.comment == tag) tx.remove(nft::rule_ref{r.fam, r.table, r.chain, r.handle});
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "netlink/socket.hpp"
#include "nft/objects.hpp"

namespace wharf::nft {

// The ruleset's generation: it changes with every commit that changes anything (an observer's
// way to tell that nothing was committed).
std::uint32_t generation(netlink::socket& sock);

// Every table of the family (family::unspec: of every family).
std::vector<table_info> list_tables(netlink::socket& sock, family fam = family::unspec);
// The table, or nullopt if the family has no table of that name.
std::optional<table_info> find_table(netlink::socket& sock, family fam, std::string_view name);
// The table's chains; empty when the table does not exist.
std::vector<chain_info> list_chains(netlink::socket& sock, family fam, std::string_view table);
// The rules of one chain (or of the whole table when chain is empty), in order, with handle and comment.
std::vector<rule_info> list_rules(netlink::socket& sock, family fam, std::string_view table, std::string_view chain = {});
// The table's sets and maps.
std::vector<set> list_sets(netlink::socket& sock, family fam, std::string_view table);
// A set's or map's elements with keys, data or verdicts, flags and comments. ENOENT if no such set.
std::vector<element> list_elements(netlink::socket& sock, const set_ref& s);
// The one element with `key` (`nft get element`), read without dumping the set; nullopt when the
// key, the set or the table is absent.
std::optional<element> find_element(netlink::socket& sock, const set_ref& s, const bytes& key);

}  // namespace wharf::nft
