#include "layout.hpp"

#include "nft/isolation.hpp"
#include "nft/list.hpp"
#include "nft/rule.hpp"
#include "nft/value.hpp"

namespace wharf::firewall::layout {

namespace {

using nft::family;

constexpr const char* allowed4 = "allowed4";
constexpr const char* allowed6 = "allowed6";
constexpr const char* isolated_ports = "isolated_ports";
constexpr std::uint32_t ifname_len = 16;

nft::rule forward_rule() { return nft::rule{family::inet, table_name, forward}; }

}  // namespace

nft::set_ref allowed_set(net::family f) { return {family::inet, table_name, f == net::family::v4 ? allowed4 : allowed6}; }

nft::isolation::layout isolation() { return {.fam = family::inet, .table = table_name, .chain = forward}; }

void add_base(nft::transaction& tx) {
    tx.add(nft::table{family::inet, table_name});
    tx.add(nft::set{.fam = family::inet, .table = table_name, .name = allowed4, .key_type = nft::datatype::ipv4_addr,
                    .key_len = 4});
    tx.add(nft::set{.fam = family::inet, .table = table_name, .name = allowed6, .key_type = nft::datatype::ipv6_addr,
                    .key_len = 16});
    nft::isolation::add_sets(tx, isolation());
    const nft::chain fwd{.fam = family::inet, .table = table_name, .name = forward,
                         .base = nft::base_chain{.type = "filter", .hook = nft::hook::forward, .priority = 0}};
    tx.add(fwd);
    tx.flush(fwd);
    nft::isolation::add_rules(tx, isolation());
    const auto established = nft::ct_state::established | nft::ct_state::related;
    tx.add(forward_rule().match_in_set(nft::field::ip_daddr, allowed4).match_ct_state(established).accept());
    tx.add(forward_rule().match_in_set(nft::field::ip_saddr, allowed4).accept());
    tx.add(forward_rule().match_in_set(nft::field::ip6_daddr, allowed6).match_ct_state(established).accept());
    tx.add(forward_rule().match_in_set(nft::field::ip6_saddr, allowed6).accept());
}

namespace {

bool has_forward(netlink::socket& sock, family fam) {
    if (!nft::find_table(sock, fam, table_name)) return false;
    for (const auto& c : nft::list_chains(sock, fam, table_name))
        if (c.name == forward) return true;
    return false;
}

}  // namespace

bool base_present(netlink::socket& sock) { return has_forward(sock, family::inet); }
bool bridge_base_present(netlink::socket& sock) { return has_forward(sock, family::bridge); }

nft::set_ref isolated_ports_set() { return {family::bridge, table_name, isolated_ports}; }

void add_bridge_base(nft::transaction& tx) {
    tx.add(nft::table{family::bridge, table_name});
    tx.add(nft::set{.fam = family::bridge, .table = table_name, .name = isolated_ports,
                    .key_type = nft::datatype::ifname, .key_len = ifname_len});
    const nft::chain fwd{.fam = family::bridge, .table = table_name, .name = forward,
                         .base = nft::base_chain{.type = "filter", .hook = nft::hook::forward, .priority = 0}};
    tx.add(fwd);
    tx.flush(fwd);
    tx.add(nft::isolation::drop_between(family::bridge, table_name, forward, isolated_ports));
}

nft::element isolated_port_entry(const std::string& host_veth, const std::string& tag) {
    return nft::element{.key = nft::ifname(host_veth), .comment = tag};
}

nft::element allowed_entry(const net::ip_address& a, const std::string& tag) {
    return nft::element{.key = nft::addr(a), .comment = tag};
}

}  // namespace wharf::firewall::layout
