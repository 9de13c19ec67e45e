#include "nft_layout.hpp"

#include <linux/netfilter/nf_tables.h>

#include <cerrno>
#include <map>

#include "nft/error.hpp"
#include "nft/isolation.hpp"
#include "nft/list.hpp"
#include "nft/rule.hpp"
#include "nft/value.hpp"

namespace wharf::bridge::layout {

namespace {

using nft::family;

constexpr std::uint32_t ifname_len = 16;
constexpr const char* masquerade_prefix = "masq-";
constexpr const char* isolation_prefix = "iso-";

nft::table inet_table() { return {family::inet, table_name}; }
nft::table bridge_table() { return {family::bridge, table_name}; }

nft::chain base(family fam, const char* name, const char* type, nft::hook hook, int priority) {
    return {.fam = fam, .table = table_name, .name = name,
            .base = nft::base_chain{.type = type, .hook = hook, .priority = priority}};
}

nft::isolation::layout isolation() { return {.fam = family::inet, .table = table_name, .chain = forward}; }

// Adds the chain, then empties it, so the rules added next are the only ones.
void reset_chain(nft::transaction& tx, const nft::chain& c) {
    tx.add(c);
    tx.flush(c);
}

}  // namespace

std::string masquerade_piece(const net::prefix& subnet) {
    std::string s = subnet.canonical().to_string();
    for (char& c : s)
        if (c == '/') c = '_';
    return masquerade_prefix + s;
}

std::string isolation_piece(const std::string& bridge) { return isolation_prefix + bridge; }

std::optional<net::prefix> masqueraded_subnet(const std::string& piece) {
    if (!piece.starts_with(masquerade_prefix)) return std::nullopt;
    std::string text = piece.substr(std::string_view(masquerade_prefix).size());
    for (char& c : text)
        if (c == '_') c = '/';
    auto p = net::prefix::parse(text);
    if (!p || masquerade_piece(*p) != piece) return std::nullopt;
    return p;
}

std::optional<std::string> isolated_bridge(const std::string& piece) {
    if (!piece.starts_with(isolation_prefix) || piece.size() == std::string_view(isolation_prefix).size())
        return std::nullopt;
    return piece.substr(std::string_view(isolation_prefix).size());
}

void add_postrouting_base(nft::transaction& tx) {
    tx.add(inet_table());
    tx.add(base(family::inet, postrouting, "nat", nft::hook::postrouting, 100));
}

void add_masquerade(nft::transaction& tx, const net::prefix& subnet, bool dispatch) {
    const std::string name = masquerade_piece(subnet);
    nft::chain c{.fam = family::inet, .table = table_name, .name = name};
    reset_chain(tx, c);
    const auto multicast = *net::prefix::parse(subnet.is_v4() ? "224.0.0.0/4" : "ff00::/8");
    tx.add(nft::rule{family::inet, table_name, name}.match_daddr(subnet.canonical()).ret());
    tx.add(nft::rule{family::inet, table_name, name}.match_daddr(multicast).ret());
    tx.add(nft::rule{family::inet, table_name, name}.masquerade());
    if (dispatch)
        tx.add(nft::rule{family::inet, table_name, postrouting}.match_saddr(subnet.canonical()).jump(name).comment(name));
}

void add_isolation_base(nft::transaction& tx) {
    tx.add(inet_table());
    nft::isolation::add_sets(tx, isolation());
    nft::chain fwd = base(family::inet, forward, "filter", nft::hook::forward, 0);
    reset_chain(tx, fwd);
    tx.add(nft::rule{family::inet, table_name, fwd.name}
               .match_ct_state(nft::ct_state::established | nft::ct_state::related)
               .accept());
    nft::isolation::add_rules(tx, isolation());
}

void add_spoof_base(nft::transaction& tx) {
    tx.add(bridge_table());
    tx.add(nft::set{.fam = family::bridge, .table = table_name, .name = spoof_ports, .key_type = nft::datatype::ifname,
                    .key_len = ifname_len});
    tx.add(nft::set{.fam = family::bridge, .table = table_name, .name = spoof_pairs,
                    .key_type = nft::datatype::concat({nft::datatype::ifname, nft::datatype::ether_addr}),
                    .key_len = ifname_len + 8});
    nft::chain pre = base(family::bridge, "prerouting", "filter", nft::hook::prerouting, -200);
    reset_chain(tx, pre);
    tx.add(nft::rule{family::bridge, table_name, pre.name}
               .load_meta(NFT_META_IIFNAME, nft::reg1)
               .lookup(spoof_ports, nft::reg1)
               .load_meta(NFT_META_IIFNAME, nft::reg32(0))
               .load(nft::field::ether_saddr, nft::reg32(4))
               .lookup(spoof_pairs, nft::reg32(0), std::nullopt, true)
               .drop());
}

void add_isolation_entries(nft::transaction& tx, const std::string& bridge) {
    const nft::element one = isolated_entry(bridge), pair = isolated_self_entry(bridge);
    tx.add_elements(isolated_set(), std::span<const nft::element>(&one, 1));
    tx.add_elements(isolated_self_set(), std::span<const nft::element>(&pair, 1));
}

nft::set_ref isolated_set() { return nft::isolation::members(isolation()); }
nft::set_ref isolated_self_set() { return nft::isolation::pairs(isolation()); }

nft::element isolated_entry(const std::string& bridge) { return nft::isolation::member(bridge, isolation_piece(bridge)); }

nft::element isolated_self_entry(const std::string& bridge) { return nft::isolation::pair(bridge, isolation_piece(bridge)); }

std::vector<nft::set_ref> owned_sets() {
    return {{family::bridge, table_name, spoof_ports}, {family::bridge, table_name, spoof_pairs}};
}

std::vector<owned_element> list_all_elements(netlink::socket& sock) {
    std::vector<owned_element> out;
    // One dump of the table names first: asking for the sets of a missing table is refused with
    // ENOENT, an exception on the common path (DEL of a network without the spoof check, say).
    auto tables = nft::list_tables(sock);
    for (family fam : {family::bridge}) {
        bool have_table = false;
        for (const auto& t : tables) have_table = have_table || (t.fam == fam && t.name == table_name);
        if (!have_table) continue;
        std::vector<nft::set> present;
        try {
            present = nft::list_sets(sock, fam, table_name);
        } catch (const nft::error& e) {
            if (e.code_value() == ENOENT) continue;  // removed since the table dump
            throw;
        }
        for (const auto& ref : owned_sets()) {
            if (ref.fam != fam) continue;
            bool exists = false;
            for (const auto& s : present) exists = exists || s.name == ref.name;
            if (!exists) continue;
            try {
                for (auto& e : nft::list_elements(sock, ref)) out.push_back({ref, std::move(e)});
            } catch (const nft::error& e) {
                if (e.code_value() != ENOENT) throw;
            }
        }
    }
    return out;
}

void remove_elements(nft::transaction& tx, const std::vector<owned_element>& elements) {
    std::map<std::string, std::pair<nft::set_ref, std::vector<nft::element>>> by_set;
    for (const auto& e : elements) {
        auto& slot = by_set[std::string(nft::name(e.set.fam)) + " " + e.set.name];
        slot.first = e.set;
        nft::element key_only;
        key_only.key = e.element.key;
        slot.second.push_back(std::move(key_only));
    }
    for (const auto& [name, slot] : by_set) tx.remove_elements(slot.first, slot.second);
}

}  // namespace wharf::bridge::layout
