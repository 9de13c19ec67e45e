#pragma once
// Docker's inter-network isolation (its DOCKER-ISOLATION chains) as two sets and two rules of a
// forward chain: traffic from one member bridge to another is dropped; traffic within a bridge, and
// to and from anything that is not a member, goes on to the chain's next rules. One element per
// bridge, whatever the number of bridges or containers.
//
//   set isolated { type ifname }                 element: bridge
//   set isolated_self { type ifname . ifname }   element: bridge . bridge
//   iifname . oifname @isolated_self accept
//   iifname @isolated oifname @isolated drop
//
// The bridge plugin (its `isolation` key) and the firewall plugin (ingressPolicy) each keep these
// in their own table.
#include <string>

#include "nft/objects.hpp"
#include "nft/rule.hpp"
#include "nft/transaction.hpp"

namespace wharf::nft::isolation {

// Where the sets and rules live: the table (of family `fam`) and the chain the rules go into.
struct layout {
    family fam = family::inet;
    std::string table;
    std::string chain;
};

void add_sets(transaction& tx, const layout& l);
// Appends the two rules to l.chain.
void add_rules(transaction& tx, const layout& l);

// `iifname @<set> oifname @<set> drop`: traffic between two members of one interface-name set
// (the member rule above; the firewall plugin's isolated bridge ports, in a bridge-family table).
rule drop_between(family fam, const std::string& table, const std::string& chain, const std::string& set);

set_ref members(const layout& l);
set_ref pairs(const layout& l);
// A bridge's two entries, with `comment`.
element member(const std::string& bridge, const std::string& comment);
element pair(const std::string& bridge, const std::string& comment);

}  // namespace wharf::nft::isolation
