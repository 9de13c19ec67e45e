// publish: ADD's read-check-commit of one attachment's port mappings.
#include <netinet/in.h>

#include <cerrno>
#include <map>
#include <optional>
#include <set>

#include "cni/error.hpp"
#include "layout.hpp"
#include "nft/list.hpp"
#include "nft/transaction.hpp"
#include "nft/value.hpp"
#include "cni/owner_tag.hpp"
#include "ports.hpp"
#include "retry.hpp"
#include "sys/record_dir.hpp"

namespace wharf::portmap {

namespace {

nft::element make(const nft::bytes& key, const nft::bytes& data, const std::string& tag) {
    return nft::element{.key = key, .data = data, .comment = tag};
}

std::string holder_of(const std::string& comment) {
    if (auto o = cni::parse_owner_tag(comment))
        return "container \"" + o->container + "\" (interface " + o->ifname + ", network hash " + o->network_hash + ")";
    return comment.empty() ? "an element without an owner" : "an element owned by \"" + comment + "\"";
}

std::string host_text(const port_mapping& m, net::family f) {
    net::ip_address a = m.key_address(f);
    std::string addr = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    return protocol_name(m.protocol) + " " + addr + ":" + std::to_string(m.host_port);
}

// Adds to `tx` what makes `key` point at `data` for `tag`, after reading what holds it now.
void claim(netlink::socket& sock, nft::transaction& tx, net::family f, const port_mapping& m, const nft::bytes& key,
           const nft::bytes& data, const net::ip_address& container, const std::string& tag) {
    const nft::set_ref ports = layout::ports_map(f);
    const auto existing = nft::find_element(sock, ports, key);
    if (!existing) {
        tx.create_elements(ports, std::vector{make(key, data, tag)});
        return;
    }
    if (existing->comment == tag) {
        if (existing->data == data) return;  // ADD repeated
        tx.remove_elements(ports, std::vector{nft::element{.key = key}});
        tx.create_elements(ports, std::vector{make(key, data, tag)});
        return;
    }
    if (cni::same_container(existing->comment, tag)) {
        // The same container from another network (Podman passes every network the same ports):
        // traffic keeps its first target; this claim waits in the standby map.
        const nft::set_ref standby = layout::standby_map(f);
        const nft::bytes skey = layout::standby_key(key, container);
        const auto mine = nft::find_element(sock, standby, skey);
        if (mine && mine->comment == tag && mine->data == data) return;
        if (mine) tx.remove_elements(standby, std::vector{nft::element{.key = skey}});
        tx.create_elements(standby, std::vector{make(skey, data, tag)});
        return;
    }
    throw cni::error(static_cast<cni::code>(port_in_use_code),
                     "host port " + host_text(m, f) + " is already published by " + holder_of(existing->comment),
                     "it forwards to " + layout::describe_target(existing->data, f) + "; mapping " + m.describe());
}

// `chains`: with the base being made, nullptr; else the table's chains, so that a subnet's hairpin
// chain that is missing is made in the same batch (an addition only) rather than failing it.
void claim_hairpin(netlink::socket& sock, nft::transaction& tx, const portmap_conf& conf, const net::prefix& container,
                   const std::string& tag, const std::set<std::string>* chains) {
    const nft::set_ref map = layout::hairpin_map(container.fam());
    nft::element e{.key = nft::addr(container.address()), .comment = tag};
    if (conf.masq_all) {
        e.verdict = nft::verdict::go_to(layout::masq_all_chain);
    } else {
        if (!chains || !chains->contains(layout::hairpin_chain(container))) layout::add_hairpin_chain(tx, container);
        e.verdict = nft::verdict::jump(layout::hairpin_chain(container));
    }
    const auto existing = nft::find_element(sock, map, e.key);
    if (existing && existing->comment == tag && existing->verdict == e.verdict) return;
    // A stale entry of an address's previous owner: the newest attachment of the address takes it.
    if (existing) tx.remove_elements(map, std::vector{nft::element{.key = e.key}});
    tx.create_elements(map, std::vector{e});
}

// With `chains` null, the base is made first in the batch; else it is there with these chains.
touched_ports publish_once(netlink::socket& sock, const portmap_conf& conf, const std::string& tag,
                           const std::set<std::string>* chains) {
    nft::transaction tx{sock};
    if (!chains) layout::add_base(tx, conf);
    touched_ports out;
    for (net::family f : {net::family::v4, net::family::v6}) {
        const auto& container = conf.container(f);
        if (!container) continue;  // a mapping whose family the container lacks is skipped
        std::map<nft::bytes, const port_mapping*> seen;
        for (const auto& m : conf.mappings) {
            if (!m.applies_to(f)) continue;
            const nft::bytes key = layout::ports_key(m.protocol, m.key_address(f), m.host_port);
            const nft::bytes data = layout::target(container->address(), m.container_port);
            if (auto it = seen.find(key); it != seen.end()) {
                if (it->second->container_port == m.container_port) continue;
                throw cni::error(cni::code::invalid_config,
                                 "invalid network config: runtimeConfig.portMappings publishes host port " +
                                     host_text(m, f) + " twice",
                                 it->second->describe() + " and " + m.describe());
            }
            seen.emplace(key, &m);
            claim(sock, tx, f, m, key, data, container->address(), tag);
            if (m.protocol == IPPROTO_UDP) out.udp(f).insert(m.host_port);
        }
        if (seen.empty()) continue;
        if (f == net::family::v4) out.v4 = true;
        if (conf.snat) claim_hairpin(sock, tx, conf, *container, tag, chains);
    }
    tx.commit();
    return out;
}

// What the base depends on besides the layout: the conditions of its dispatch rules.
std::string base_fingerprint(const portmap_conf& conf) {
    std::string out = "layout 1";
    for (net::family f : {net::family::v4, net::family::v6}) {
        out += f == net::family::v4 ? "\nconditionsV4" : "\nconditionsV6";
        for (const auto& c : conf.conditions(f)) out += " " + c.text;
    }
    return out + "\n";
}

// The chains of the table when it is there with every fixed chain; nullopt when the base must be made.
// (Read first rather than learned from a failed batch: the kernel's abort of a batch waits for an RCU
// grace period, as long as the rebuild it would save.)
std::optional<std::set<std::string>> base_chains(netlink::socket& sock) {
    if (!nft::find_table(sock, nft::family::inet, layout::table_name)) return std::nullopt;
    std::set<std::string> names;
    for (auto& c : nft::list_chains(sock, nft::family::inet, layout::table_name)) names.insert(std::move(c.name));
    for (const char* fixed : {"prerouting", "output", "postrouting", "dnat4", "dnat6", layout::masq_all_chain})
        if (!names.contains(fixed)) return std::nullopt;
    return names;
}

}  // namespace

touched_ports publish(netlink::socket& sock, const portmap_conf& conf, const std::string& tag, const sys::shared_state* state) {
    const std::string fingerprint = base_fingerprint(conf);
    const std::optional<sys::record_dir> layout_dir = state ? std::optional(sys::record_dir(*state, "layout")) : std::nullopt;
    if (layout_dir && layout_dir->load("base") == fingerprint) {
        if (const auto chains = base_chains(sock)) {
            try {
                return publish_once(sock, conf, tag, &*chains);
            } catch (const nft::error& e) {
                const int err = e.code_value();
                if (err != ENOENT && err != EEXIST && err != EBUSY) throw;
                // A map deleted by hand, or a race lost: the full path reads again.
            }
        }
    }
    touched_ports out = with_retries("publish port mappings", [&] { return publish_once(sock, conf, tag, nullptr); });
    if (layout_dir) layout_dir->save("base", fingerprint);
    return out;
}

}  // namespace wharf::portmap
