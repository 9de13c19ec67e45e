#pragma once
// One x_tables table of the kernel (the legacy iptables or ip6tables, not nftables), read with
// getsockopt(IPT_SO_GET_INFO, IPT_SO_GET_ENTRIES) (IP6T_ for IPv6) on a raw socket of the calling
// process's network namespace, edited as a list of entries, and written back whole with
// setsockopt(IPT_SO_SET_REPLACE) and IPT_SO_SET_ADD_COUNTERS (so that the kept rules keep their
// packet counters), as libiptc does. IPv4's entries are ipt_entry, IPv6's ip6t_entry: the same
// but for their address part.
//
// The blob's layout: each builtin chain is its rules and a final standard entry holding the policy
// (hook_entry points at its first entry, underflow at the policy); a user chain is an entry with the
// ERROR target naming the chain, its rules and a standard entry with verdict RETURN; the table ends
// with an ERROR entry named "ERROR". A standard target's verdict is a builtin verdict when negative
// (-NF_ACCEPT - 1 ...) and otherwise the byte offset of the entry jumped to. Here a jump is kept as
// the index of that entry, so inserting or removing an entry only shifts indices; offsets, hook
// entries and underflows are computed again when the table is written.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.hpp"

namespace wharf::firewall::legacy {

using bytes = std::vector<std::uint8_t>;

inline constexpr int verdict_accept = -2;  // -NF_ACCEPT - 1, as a standard target holds it

struct entry {
    bytes raw;                              // ipt_entry (ip6t_entry), its matches and its target
    std::optional<std::size_t> jump;        // a standard target jumping: the index of the entry jumped to
    std::optional<std::size_t> old_index;   // its index in the table as read; none for a new entry
};

class table {
public:
    // Reads `fam`'s table `name` (e.g. "filter") through `fd`, a raw socket of that family. Throws os_error.
    static table read(int fd, net::family fam, const std::string& name);

    // The index of chain `name`'s first entry (its first rule, or its policy/RETURN when it has
    // none): a builtin chain by its hook's name (INPUT, FORWARD, ...), or a user chain.
    std::optional<std::size_t> chain_start(const std::string& name) const;
    // The index of the chain's last entry (policy or RETURN), given its start.
    std::size_t chain_end(std::size_t start) const;
    // The chain's policy verdict when it is a builtin one (the entry's standard verdict).
    int verdict(std::size_t index) const;

    // The text of the entry's first comment match; empty when it has none.
    std::string comment(std::size_t index) const;

    // Makes user chain `name` (sorted among the user chains, as iptables does) unless it exists.
    void ensure_chain(const std::string& name);
    // Inserts `e` before index `at`: jumps and hook entries to `at` now reach `e`.
    void insert(std::size_t at, entry e);
    void erase(std::size_t at);

    std::size_t size() const { return entries_.size(); }

    // Replaces the kernel's table with this one. Returns false when the kernel's table changed since
    // it was read (EAGAIN): the caller reads again and redoes its change.
    bool write(int fd) const;

private:
    net::family fam_ = net::family::v4;
    std::string name_;
    unsigned valid_hooks_ = 0;
    std::size_t old_count_ = 0;
    std::vector<entry> entries_;
    std::vector<std::optional<std::size_t>> hook_entry_, underflow_;  // by hook number

    bool is_error(std::size_t index) const;
    std::string error_name(std::size_t index) const;
};

// Rules in the form iptables-legacy (ip6tables-legacy) writes them.
struct rule_spec {
    std::optional<net::ip_address> source, destination;  // a /32 (/128) each; at least one, of one family
    bool related_established = false;                    // -m conntrack --ctstate RELATED,ESTABLISHED
    std::string comment;                                 // -m comment --comment (none when empty)
};
entry accept_rule(const rule_spec& spec);
entry jump_rule(net::family f, const std::string& comment, std::size_t target);

// Reads `f`'s table `name`, hands it to `change` and writes it back when `change` returns true; reads
// and changes again when the kernel's table changed in between.
void edit(net::family f, const std::string& name, const std::function<bool(table&)>& change);
// Reads `f`'s table `name` once.
table read_once(net::family f, const std::string& name);

}  // namespace wharf::firewall::legacy
