#include "firewall.hpp"

#include <linux/netlink.h>

#include <algorithm>

#include <cerrno>
#include <optional>
#include <set>
#include <sstream>

#include "cni/error.hpp"
#include "netlink/link.hpp"
#include "nft/error.hpp"
#include "nft/list.hpp"
#include "nft/transaction.hpp"
#include "nft/value.hpp"
#include "nft_layout.hpp"
#include "cni/owner_tag.hpp"
#include "sys/record_dir.hpp"

namespace wharf::bridge {

namespace {

using nft::family;

// Removing pieces reads, then commits what it read; a transaction of someone else's that removed
// one meanwhile (ENOENT) makes it read again.
constexpr int remove_attempts = 5;

// What of the network pieces nftables holds now: the table's chains and postrouting's rules.
struct present_state {
    std::set<std::string> chains;
    std::vector<nft::rule_info> dispatch;  // postrouting's rules; each carries its piece as comment

    bool dispatches(const std::string& piece) const {
        for (const auto& r : dispatch)
            if (r.comment == piece) return true;
        return false;
    }
};

present_state read_present(netlink::socket& sock, bool with_dispatch) {
    present_state now;
    for (auto& c : nft::list_chains(sock, family::inet, layout::table_name)) now.chains.insert(std::move(c.name));
    if (with_dispatch && now.chains.contains(layout::postrouting))
        now.dispatch = nft::list_rules(sock, family::inet, layout::table_name, layout::postrouting);
    return now;
}

bool has_isolation_entries(netlink::socket& sock, const std::string& bridge) {
    return nft::find_element(sock, layout::isolated_set(), layout::isolated_entry(bridge).key) &&
           nft::find_element(sock, layout::isolated_self_set(), layout::isolated_self_entry(bridge).key);
}

// The pieces nftables lacks, named; empty when everything is there.
std::vector<std::string> missing_pieces(netlink::socket& sock, const network_pieces& pieces) {
    std::vector<std::string> out;
    const present_state now = read_present(sock, !pieces.masquerade.empty());
    for (const auto& subnet : pieces.masquerade) {
        const std::string name = layout::masquerade_piece(subnet);
        if (!now.chains.contains(name) || !now.dispatches(name)) out.push_back(name);
    }
    if (!pieces.isolated_bridge.empty() &&
        (!now.chains.contains(layout::forward) || !has_isolation_entries(sock, pieces.isolated_bridge)))
        out.push_back(layout::isolation_piece(pieces.isolated_bridge));
    return out;
}

// Makes what is missing of `pieces`, in one transaction. Hold the state's lock exclusively.
void make_pieces(netlink::socket& sock, const network_pieces& pieces) {
    const present_state now = read_present(sock, true);
    nft::transaction tx{sock};
    if (!pieces.masquerade.empty()) {
        layout::add_postrouting_base(tx);
        for (const auto& subnet : pieces.masquerade) {
            const std::string name = layout::masquerade_piece(subnet);
            const bool dispatched = now.dispatches(name);
            if (!now.chains.contains(name) || !dispatched) layout::add_masquerade(tx, subnet, !dispatched);
        }
    }
    if (!pieces.isolated_bridge.empty()) {
        if (!now.chains.contains(layout::forward)) layout::add_isolation_base(tx);
        layout::add_isolation_entries(tx, pieces.isolated_bridge);
    }
    tx.commit();
}

// Removes the named pieces, whatever of them exists. Hold the state's lock exclusively.
void remove_pieces(netlink::socket& sock, const std::vector<std::string>& names) {
    for (int attempt = 1;; ++attempt) {
        const present_state now = read_present(sock, true);
        nft::transaction tx{sock};
        for (const auto& name : names) {
            if (layout::masqueraded_subnet(name)) {
                for (const auto& r : now.dispatch)
                    if (r.comment == name)
                        tx.remove(nft::rule_ref{family::inet, layout::table_name, layout::postrouting, r.handle});
                if (now.chains.contains(name)) {
                    const nft::chain c{.fam = family::inet, .table = layout::table_name, .name = name};
                    tx.flush(c);
                    tx.remove(c);
                }
            } else if (auto bridge = layout::isolated_bridge(name)) {
                const nft::element one{.key = layout::isolated_entry(*bridge).key};
                const nft::element pair{.key = layout::isolated_self_entry(*bridge).key};
                if (nft::find_element(sock, layout::isolated_set(), one.key))
                    tx.remove_elements(layout::isolated_set(), std::span<const nft::element>(&one, 1));
                if (nft::find_element(sock, layout::isolated_self_set(), pair.key))
                    tx.remove_elements(layout::isolated_self_set(), std::span<const nft::element>(&pair, 1));
            }
        }
        try {
            tx.commit();
            return;
        } catch (const nft::error& e) {
            if (e.code_value() != ENOENT || attempt == remove_attempts) throw;
        }
    }
}

// The pieces a list of names stands for.
network_pieces pieces_named(const std::vector<std::string>& names) {
    network_pieces pieces;
    for (const auto& name : names) {
        if (auto subnet = layout::masqueraded_subnet(name)) pieces.masquerade.push_back(*subnet);
        else if (auto bridge = layout::isolated_bridge(name)) pieces.isolated_bridge = *bridge;
    }
    return pieces;
}

class bridge_pieces final : public nft::piece_store {
public:
    std::vector<std::string> missing(netlink::socket& sock, const std::vector<std::string>& names) const override {
        return missing_pieces(sock, pieces_named(names));
    }
    void make(netlink::socket& sock, const std::vector<std::string>& names) const override {
        make_pieces(sock, pieces_named(names));
    }
    void remove(netlink::socket& sock, const std::vector<std::string>& names) const override {
        remove_pieces(sock, names);
    }
};

const bridge_pieces store;

}  // namespace

network_pieces network_pieces::of(const bridge_conf& conf, const std::vector<cni::ip_config>& ips) {
    network_pieces pieces;
    if (conf.ip_masq)
        for (const auto& ip : ips) pieces.masquerade.push_back(ip.address.canonical());
    if (conf.isolation) pieces.isolated_bridge = conf.bridge;
    return pieces;
}

std::vector<std::string> network_pieces::names() const {
    std::vector<std::string> out;
    for (const auto& subnet : masquerade) {
        std::string name = layout::masquerade_piece(subnet);
        bool seen = false;
        for (const auto& n : out) seen = seen || n == name;
        if (!seen) out.push_back(std::move(name));
    }
    if (!isolated_bridge.empty()) out.push_back(layout::isolation_piece(isolated_bridge));
    return out;
}

void join_network(lazy_nft_socket& sock, const shared_state& state, const std::string& tag,
                  const network_pieces& pieces) {
    nft::join_pieces(sock, state, tag, pieces.names(), store);
}

void leave_network(lazy_nft_socket& sock, const shared_state& state, const std::string& tag) {
    nft::leave_pieces(sock, state, tag, store);
}

std::size_t collect_network(lazy_nft_socket& sock, const shared_state& state,
                            const std::function<bool(const std::string& tag)>& stale) {
    return nft::collect_pieces(sock, state, stale, store);
}

std::vector<std::string> restore_network(lazy_nft_socket& sock, const shared_state& state,
                                         const std::function<bool(const std::string& tag)>& kept) {
    return nft::restore_pieces(sock, state, kept, store);
}

std::vector<std::string> restore_recorded() {
    const auto state = shared_state::existing(state_owner);
    if (!state) return {};
    lazy_nft_socket sock;
    const auto all = [](const std::string&) { return true; };
    std::vector<std::string> restored = restore_network(sock, *state, all);
    for (const auto& tag : restore_spoof_checks(sock, *state, all)) restored.push_back("spoof-check entries of " + tag);
    return restored;
}

std::vector<std::string> missing_network_pieces(netlink::socket& sock, const shared_state& state,
                                                const std::function<bool(const std::string& tag)>& ours) {
    std::vector<std::string> used;
    for (const auto& tag : state.attachments()) {
        if (!ours(tag)) continue;
        for (auto& piece : state.pieces_of(tag))
            if (std::find(used.begin(), used.end(), piece) == used.end()) used.push_back(std::move(piece));
    }
    return used.empty() ? used : store.missing(sock, used);
}

void verify_network(netlink::socket& sock, const shared_state& state, const std::string& tag,
                    const network_pieces& pieces) {
    nft::verify_pieces(sock, state, tag, pieces.names(), store, "table inet " + std::string(layout::table_name));
}

namespace {

struct planned {
    nft::set_ref set;
    nft::element element;
    std::string describe;
};

std::vector<planned> plan(const spoof_rule& r) {
    nft::element port{.key = nft::ifname(r.host_veth), .comment = r.tag};
    nft::element pair{.key = nft::concat({nft::ifname(r.host_veth), nft::ether(r.mac)}), .comment = r.tag};
    return {{{family::bridge, layout::table_name, layout::spoof_ports}, std::move(port), "spoof-check port " + r.host_veth},
            {{family::bridge, layout::table_name, layout::spoof_pairs}, std::move(pair),
             "spoof-check entry " + r.host_veth + " . " + r.mac.to_string()}};
}

bool only_missing_objects(const nft::error& e) {
    if (e.failures().empty()) return false;
    for (const auto& f : e.failures())
        if (f.err != ENOENT) return false;
    return true;
}

}  // namespace

void apply_spoof_rule(netlink::socket& sock, const spoof_rule& r) {
    nft::transaction tx{sock};
    auto add_entries = [&] {
        for (const auto& p : plan(r)) tx.add_elements(p.set, std::span<const nft::element>(&p.element, 1));
    };
    // Fast path: the table and sets exist (every ADD but the first), so the batch holds only the
    // entries; a missing one fails it whole with ENOENT, and the full transaction makes the base.
    add_entries();
    try {
        tx.commit();
        return;
    } catch (const nft::error& e) {
        if (!only_missing_objects(e)) throw;
    }
    layout::add_spoof_base(tx);
    add_entries();
    tx.commit();
}

namespace {

// The first of the rule's entries `present` lacks (or holds for another owner); nullopt when none.
std::optional<planned> first_missing(const std::vector<layout::owned_element>& present, const spoof_rule& r) {
    for (auto& p : plan(r)) {
        bool found = false;
        for (const auto& e : present) {
            if (e.set.fam != p.set.fam || e.set.name != p.set.name || e.element.key != p.element.key) continue;
            found = e.element.comment == p.element.comment;
            break;
        }
        if (!found) return std::move(p);
    }
    return std::nullopt;
}

}  // namespace

void verify_spoof_rule(netlink::socket& sock, const spoof_rule& r) {
    if (const auto p = first_missing(layout::list_all_elements(sock), r))
        throw cni::error(cni::code::internal, "nftables " + p->describe + " is missing or not ours",
                         "set " + std::string(nft::name(p->set.fam)) + " " + p->set.table + " " + p->set.name +
                             ", owner " + p->element.comment);
}

std::size_t remove_owned(netlink::socket& sock, const std::function<bool(const std::string& tag)>& stale) {
    auto doomed = layout::find_elements(sock, [&](const std::string& comment) {
        std::string tag = cni::tag_of(comment);
        return !tag.empty() && stale(tag);
    });
    if (doomed.empty()) return 0;
    nft::transaction tx{sock};
    layout::remove_elements(tx, doomed);
    tx.commit();
    return doomed.size();
}

}  // namespace wharf::bridge

namespace wharf::bridge {

namespace {

constexpr const char* spoof_records = "spoof";

std::optional<spoof_rule> load_spoof_record(const sys::record_dir& dir, const std::string& tag) {
    const auto text = dir.load(tag);
    if (!text) return std::nullopt;
    std::istringstream in(*text);
    std::string veth, mac_text;
    if (!(in >> veth >> mac_text)) return std::nullopt;
    const auto mac = net::mac::parse(mac_text);
    if (!mac) return std::nullopt;
    return spoof_rule{.tag = tag, .host_veth = veth, .mac = *mac};
}

}  // namespace

void add_spoof_check(netlink::socket& sock, const shared_state& state, const spoof_rule& rule) {
    const auto lock = state.lock(sys::lock_kind::shared);
    apply_spoof_rule(sock, rule);
    sys::record_dir(state, spoof_records).save(rule.tag, rule.host_veth + " " + rule.mac.to_string() + "\n");
}

void remove_spoof_check(lazy_nft_socket& sock, const shared_state& state, const std::string& tag) {
    const auto lock = state.lock(sys::lock_kind::exclusive);
    remove_owned(sock.get(), [&](const std::string& t) { return t == tag; });
    sys::record_dir(state, spoof_records).drop(tag);
}

void drop_stale_spoof_records(const shared_state& state, const std::function<bool(const std::string& tag)>& stale) {
    const auto lock = state.lock(sys::lock_kind::exclusive);
    const sys::record_dir dir(state, spoof_records);
    for (const auto& tag : dir.tags())
        if (stale(tag)) dir.drop(tag);
}

std::vector<std::string> restore_spoof_checks(lazy_nft_socket& sock, const shared_state& state,
                                              const std::function<bool(const std::string& tag)>& kept) {
    const auto lock = state.lock(sys::lock_kind::exclusive);
    const sys::record_dir dir(state, spoof_records);
    std::vector<std::string> restored;
    std::optional<netlink::socket> links;
    std::optional<std::vector<layout::owned_element>> present;  // one dump for every record
    for (const auto& tag : dir.tags()) {
        if (!kept(tag)) continue;
        const auto rule = load_spoof_record(dir, tag);
        if (!rule) continue;
        if (!links) links.emplace(netlink::socket::open(NETLINK_ROUTE));
        if (!netlink::link::find_link(*links, rule->host_veth)) continue;  // the container is gone: nothing to guard
        if (!present) present = layout::list_all_elements(sock.get());
        if (!first_missing(*present, *rule)) continue;
        apply_spoof_rule(sock.get(), *rule);
        restored.push_back(tag);
    }
    return restored;
}

}  // namespace wharf::bridge
