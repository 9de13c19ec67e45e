#pragma once
// The reference plugin's rules in the host's legacy iptables (x_tables' filter table, as
// iptables-legacy and ip6tables-legacy keep it), for hosts where that, not iptables-nft, holds the
// FORWARD chain of a family:
//
//   -A FORWARD -m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD           (first)
//   -A CNI-FORWARD -m comment --comment "CNI firewall plugin admin overrides" -j CNI-ADMIN  (first)
//   -A CNI-FORWARD -d <address>/32 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment <owner tag> -j ACCEPT
//   -A CNI-FORWARD -s <address>/32 -m comment --comment <owner tag> -j ACCEPT      (/128 for IPv6)
//
// written by replacing the table (legacy_table.hpp), so iptables-legacy-save reads them as its own.
// As with the iptables-nft variant, the chains and jumps stay once made, and the admin chain is
// created and jumped to, never written.
// Callers hold the firewall's shared-state lock: a replace is read-modify-write.
#include <functional>
#include <string>
#include <vector>

#include "net/ip_address.hpp"

namespace wharf::firewall::legacy {

// Whether x_tables' filter table of family `f` exists in this network namespace (never loads it).
bool filter_loaded(net::family f);
// Whether that legacy filter table is in use in this network namespace: loaded here
// (/proc/self/net/ip_tables_names or ip6_tables_names lists it: reading it never loads it) with a
// FORWARD chain that has rules or a policy other than ACCEPT. The caller also requires iptables-nft's
// `ip filter` (`ip6 filter`) absent.
bool forward_in_use(net::family f);

// ADD: the chains, the jumps and two rules per address of family `f` (the tag's rules replaced when
// their number is wrong).
void add_attachment(net::family f, const std::string& admin_chain, const std::string& tag,
                    const std::vector<net::ip_address>& addresses);
// DEL and GC: removes CNI-FORWARD's rules whose owner tag satisfies `doomed`; returns how many.
std::size_t remove_owned(net::family f, const std::function<bool(const std::string&)>& doomed);
// CHECK: throws cni::error naming the first missing part for `tag` with `count` addresses of `f`.
void verify(net::family f, const std::string& tag, std::size_t count);

}  // namespace wharf::firewall::legacy
