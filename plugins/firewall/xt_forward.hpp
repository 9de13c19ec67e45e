#pragma once
// The host's iptables FORWARD chain where iptables-nft keeps it (table ip filter, table ip6 filter
// in nftables: Debian 12's default iptables), and the rules the reference plugin puts there,
// written in the very expressions iptables-nft writes, so that the host's iptables-save and
// iptables -L read them back without complaint:
//
//   -A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD           (first)
//   -A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN  (first)
//   -A CNI-FORWARD -d <address> -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment <owner tag> -j ACCEPT
//   -A CNI-FORWARD -s <address> -m comment --comment <owner tag> -j ACCEPT
//
// Addresses are payload loads and compares, the conntrack match is the x_tables match through
// nft_compat (iptables-nft 1.8.9 has no native form for it: a native `ct state` makes iptables-nft
// call the whole table incompatible), every rule has a counter, and the comments are rule userdata,
// which iptables-nft prints as `-m comment`. The admin chain is created and jumped to, never written.
// This is needed because an accept in Wharf's own table does not override iptables' drop policy.
#include <functional>
#include <string>
#include <vector>

#include "net/ip_address.hpp"
#include "netlink/socket.hpp"
#include "nft/objects.hpp"
#include "nft/transaction.hpp"

namespace wharf::firewall::xt {

inline constexpr const char* filter_table = "filter";
inline constexpr const char* forward_chain = "FORWARD";
inline constexpr const char* cni_forward = "CNI-FORWARD";
inline constexpr const char* dispatch_comment = "CNI firewall plugin rules";
inline constexpr const char* admin_comment = "CNI firewall plugin admin overrides";

// What of it exists in one family, read before a transaction is built.
struct host_filter {
    nft::family fam = nft::family::ip;
    bool forward = false;             // table <fam> filter has iptables' base chain FORWARD
    bool dispatched = false;          // FORWARD holds the jump to CNI-FORWARD
    bool cni_forward_exists = false;
    bool admin_jump = false;          // CNI-FORWARD holds the jump to the admin chain
    std::vector<nft::rule_info> cni_rules;  // CNI-FORWARD's rules, each with its comment

    std::size_t owned_by(const std::string& tag) const;
};

// Reads the family's filter table (nothing when `table_exists` is false: no read at all).
host_filter read_host_filter(netlink::socket& sock, nft::family fam, bool table_exists);

// Adds to `tx` what `now` lacks for the attachment `tag` with `addresses` (of now.fam's family):
// the chains, the two jumps, and two rules per address (replacing the tag's rules when their
// number is wrong). Nothing when there is no FORWARD chain.
void add_attachment(nft::transaction& tx, const host_filter& now, const std::string& admin_chain,
                    const std::string& tag, const std::vector<net::ip_address>& addresses);
// Adds to `tx` the removal of every CNI-FORWARD rule whose owner tag satisfies `doomed`; returns how many.
std::size_t remove_owned(nft::transaction& tx, const host_filter& now, const std::function<bool(const std::string&)>& doomed);
// CHECK: throws cni::error naming the first missing rule for `tag` with `count` addresses of the family.
void verify(const host_filter& now, const std::string& tag, std::size_t count);

}  // namespace wharf::firewall::xt
