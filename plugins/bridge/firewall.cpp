#include "firewall.hpp"

#include <net/if.h>

#include <cerrno>
#include <set>

#include "cni/error.hpp"
#include "nft/error.hpp"
#include "nft/list.hpp"
#include "nft/transaction.hpp"
#include "nft/value.hpp"
#include "nft_layout.hpp"
#include "owner_tag.hpp"

namespace wharf::bridge {

namespace {

// What the attachment's elements are, set by set.
struct planned {
    nft::set_ref set;
    nft::element element;
    std::string describe;
};

std::vector<planned> plan(const attachment_rules& r) {
    std::vector<planned> out;
    for (const auto& p : r.masquerade) {
        nft::element e;
        e.key = nft::addr(p.address());
        e.verdict = nft::verdict::jump(layout::subnet_chain(p));
        e.comment = r.tag;
        out.push_back({layout::masq_map(p.fam()), std::move(e), "masquerade entry for " + p.address().to_string()});
    }
    if (!r.isolated_bridge.empty()) {
        const std::string comment = "isolation " + r.isolated_bridge;
        nft::element one;
        one.key = nft::ifname(r.isolated_bridge);
        one.comment = comment;
        out.push_back({{nft::family::inet, layout::table_name, layout::isolated}, one, "isolation entry for " + r.isolated_bridge});
        nft::element pair;
        pair.key = nft::concat({nft::ifname(r.isolated_bridge), nft::ifname(r.isolated_bridge)});
        pair.comment = comment;
        out.push_back({{nft::family::inet, layout::table_name, layout::isolated_self}, pair,
                       "isolation self entry for " + r.isolated_bridge});
        nft::element member;
        member.key = nft::concat({nft::ifname(r.isolated_bridge), nft::ifname(r.host_veth)});
        member.comment = r.tag;
        out.push_back({{nft::family::inet, layout::table_name, layout::isolated_ports}, member,
                       "isolation member " + r.isolated_bridge + " . " + r.host_veth});
    }
    if (r.spoof_mac) {
        nft::element port;
        port.key = nft::ifname(r.host_veth);
        port.comment = r.tag;
        out.push_back({{nft::family::bridge, layout::table_name, layout::spoof_ports}, port, "spoof-check port " + r.host_veth});
        nft::element pair;
        pair.key = nft::concat({nft::ifname(r.host_veth), nft::ether(*r.spoof_mac)});
        pair.comment = r.tag;
        out.push_back({{nft::family::bridge, layout::table_name, layout::spoof_pairs}, pair,
                       "spoof-check entry " + r.host_veth + " . " + r.spoof_mac->to_string()});
    }
    return out;
}

}  // namespace

namespace {

void add_attachment_elements(nft::transaction& tx, const attachment_rules& r) {
    for (const auto& p : plan(r)) {
        std::span<const nft::element> one(&p.element, 1);
        tx.add_elements(p.set, one);
        if (p.element.verdict) {
            // A masquerade entry left by an attachment whose DEL never ran may hold this address
            // (IPAM reuses it): add-delete-add inside the transaction replaces its owner tag, atomically.
            nft::element key_only;
            key_only.key = p.element.key;
            tx.remove_elements(p.set, std::span<const nft::element>(&key_only, 1));
            tx.add_elements(p.set, one);
        }
    }
}

constexpr int removal_attempts = 50;

// The bridge name a key of the isolation sets starts with (IFNAMSIZ bytes, NUL padded).
std::string bridge_of(const nft::bytes& key) {
    std::string name;
    for (std::size_t i = 0; i < key.size() && i < IFNAMSIZ && key[i] != 0; ++i) name += static_cast<char>(key[i]);
    return name;
}

// What one DEL or GC removes: the elements of stale owners, and the per-network objects no other
// attachment uses any more (subnet chains nothing jumps to, isolation entries of a bridge without
// isolated members). Leftovers of earlier runs that nothing uses go too.
struct removal {
    std::vector<layout::owned_element> elements;
    std::vector<std::string> chains;
    std::size_t owned = 0;  // how many of `elements` belonged to stale owners
};

removal plan_removal(nft::socket& sock, const std::function<bool(const std::string& tag)>& stale) {
    removal r;
    const auto present = layout::list_all_elements(sock);
    std::set<std::string> jumped_to, bridges_with_members;
    std::vector<const layout::owned_element*> bridge_entries;
    for (const auto& e : present) {
        const std::string tag = tag_of(e.element.comment);
        if (!tag.empty() && stale(tag)) {
            r.elements.push_back(e);
            ++r.owned;
            continue;
        }
        if (e.element.verdict && !e.element.verdict->chain.empty()) jumped_to.insert(e.element.verdict->chain);
        if (e.set.name == layout::isolated_ports) bridges_with_members.insert(bridge_of(e.element.key));
        if (e.set.name == layout::isolated || e.set.name == layout::isolated_self) bridge_entries.push_back(&e);
    }
    for (const auto* e : bridge_entries)
        if (!bridges_with_members.contains(bridge_of(e->element.key))) r.elements.push_back(*e);
    for (const auto& c : nft::list_chains(sock, nft::family::inet, layout::table_name))
        if (c.name.starts_with(layout::subnet_chain_prefix) && !jumped_to.contains(c.name)) r.chains.push_back(c.name);
    return r;
}

bool only_missing_objects(const nft::error& e) {
    if (e.failures().empty()) return false;
    for (const auto& f : e.failures())
        if (f.err != ENOENT) return false;
    return true;
}

}  // namespace

void apply_rules(nft::socket& sock, const attachment_rules& r) {
    if (r.empty()) return;
    nft::transaction tx{sock};
    // Fast path: the tables, sets and chains are there already (every ADD but a network's first), so
    // the transaction holds only this attachment's elements. Rebuilding the base chains on every ADD
    // cost about 1.5 ms of kernel work here (each chain flush and rule add makes the kernel rebuild the
    // chain's rule blob). A missing table, set or subnet chain fails the whole batch with ENOENT and
    // nothing is applied; then the full transaction below creates the base and adds the elements.
    add_attachment_elements(tx, r);
    try {
        tx.commit();
        return;
    } catch (const nft::error& e) {
        if (!only_missing_objects(e)) throw;
    }
    if (!r.masquerade.empty()) {
        layout::add_masquerade_base(tx);
        for (const auto& p : r.masquerade) layout::add_subnet_chain(tx, p);
    }
    if (!r.isolated_bridge.empty()) layout::add_isolation_base(tx);
    if (r.spoof_mac) layout::add_spoof_base(tx);
    add_attachment_elements(tx, r);
    tx.commit();
}

void verify_rules(nft::socket& sock, const attachment_rules& r) {
    if (r.empty()) return;
    auto present = layout::list_all_elements(sock);
    for (const auto& p : plan(r)) {
        bool found = false;
        for (const auto& e : present) {
            if (e.set.fam != p.set.fam || e.set.name != p.set.name || e.element.key != p.element.key) continue;
            found = e.element.comment == p.element.comment && (!p.element.verdict || e.element.verdict == p.element.verdict);
            break;
        }
        if (!found)
            throw cni::error(cni::code::internal, "nftables " + p.describe + " is missing or not ours",
                             "set " + std::string(nft::name(p.set.fam)) + " " + p.set.table + " " + p.set.name +
                                 ", owner " + p.element.comment);
    }
}

std::size_t remove_owned(nft::socket& sock, const std::function<bool(const std::string& tag)>& stale) {
    // Read, decide, commit only if nothing changed since the read (the generation check): a
    // concurrent ADD that starts using a subnet chain or a bridge's isolation entries between our
    // read and our commit makes the kernel refuse our batch (ERESTART; EBUSY for a chain it has just
    // jumped to), and we read again. An ADD whose batch comes after ours finds a chain missing
    // (ENOENT) and recreates the base, or re-adds the isolation entries its batch always carries.
    for (int attempt = 1;; ++attempt) {
        const std::uint32_t gen = nft::generation(sock);
        const removal r = plan_removal(sock, stale);
        if (r.elements.empty() && r.chains.empty()) return 0;
        nft::transaction tx{sock};
        tx.only_at_generation(gen);
        layout::remove_elements(tx, r.elements);
        for (const auto& name : r.chains) {
            const nft::chain c{.fam = nft::family::inet, .table = layout::table_name, .name = name};
            tx.flush(c);
            tx.remove(c);
        }
        try {
            tx.commit();
            return r.owned;
        } catch (const nft::error& e) {
            const int err = e.code_value();
            if ((err != ERESTART && err != EBUSY && err != ENOENT) || attempt == removal_attempts) throw;
        }
    }
}

}  // namespace wharf::bridge
