#pragma once
// conditionsV4 / conditionsV6: extra matches on the rules that send traffic to the port maps. The
// reference's nftables backend pastes the strings into its rules as nft syntax; Wharf parses the
// simple matches it can express and refuses anything else with code 2 naming the condition:
//
//   ip saddr [!=] 10.0.0.0/8       ip daddr [!=] 192.0.2.1      (ip6 saddr/daddr for conditionsV6)
//   iifname [!=] eth0              iifname != "wharf0"
//
// The strings of a list are joined with spaces first, so ["ip", "saddr", "10.0.0.1"] and
// ["ip saddr 10.0.0.1"] mean the same.
#include <string>
#include <variant>
#include <vector>

#include "net/ip_address.hpp"
#include "net/prefix.hpp"
#include "nft/rule.hpp"

namespace wharf::portmap {

struct condition {
    enum class kind { saddr, daddr, iifname };
    kind what = kind::saddr;
    bool negate = false;
    net::prefix address;  // saddr, daddr
    std::string ifname;   // iifname
    std::string text;     // as written, for messages
};

// `key` is "conditionsV4" or "conditionsV6", which fixes the family addresses must have.
std::vector<condition> parse_conditions(const std::vector<std::string>& strings, net::family f, const std::string& key);

// Appends the matches to `r`.
void apply(nft::rule& r, const std::vector<condition>& conditions);

}  // namespace wharf::portmap
