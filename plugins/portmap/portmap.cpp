#include "portmap.hpp"

#include <functional>
#include <map>
#include <set>

#include "cni/error.hpp"
#include "conntrack.hpp"
#include "host_route.hpp"
#include "log/logging.hpp"
#include "netlink/netfilter_socket.hpp"
#include "nft/list.hpp"
#include "sys/wanted_sysctls.hpp"
#include "cni/owner_tag.hpp"
#include "portmap_conf.hpp"
#include "ports.hpp"
#include "record.hpp"
#include "sys/shared_state.hpp"

namespace wharf::portmap {

namespace {

std::string attachment_tag(const cni::context& ctx) { return cni::owner_tag(ctx.conf.name, ctx.req.container_id, ctx.req.ifname); }

// Stale UDP entries would keep sending a port's traffic to where it went before; failures only log.
void flush_conntrack(const touched_ports& ports) {
    for (net::family f : {net::family::v4, net::family::v6}) {
        const auto& udp = f == net::family::v4 ? ports.udp_v4 : ports.udp_v6;
        try {
            std::size_t n = flush_udp_conntrack(f, udp);
            if (n > 0) log::info("deleted {} stale UDP conntrack entries", n);
        } catch (const std::exception& e) {
            log::warn("cannot delete stale UDP conntrack entries: {}", e.what());
        }
    }
}

// Publishes `conf` for `tag`: the maps' elements, route_localnet for 127.0.0.1:hostPort, and the stale
// UDP conntrack entries flushed. ADD, and GC's repair.
void apply(netlink::socket& sock, const portmap_conf& conf, const std::string& tag, const sys::shared_state* state = nullptr) {
    const touched_ports published = publish(sock, conf, tag, state);
    // 127.0.0.1:hostPort: the kernel routes a loopback source out of an interface only with route_localnet.
    if (conf.snat && published.v4) {
        try {
            const std::string key = enable_route_localnet(route_interface(conf.container_v4->address()));
            sys::wanted_sysctls::here().want(state_owner, tag, {{key, "1"}});  // for wharfd to keep
        } catch (const std::exception& e) {
            log::warn("cannot enable route_localnet toward {}: {}", conf.container_v4->address().to_string(), e.what());
        }
    }
    flush_conntrack(published);
}

// GC's repair of one valid attachment: when CHECK would fail (its elements, a map, the table are
// gone), it publishes again what its record says. Returns whether it had to.
bool restore(netlink::socket& sock, const attachment_record& r, const std::string& tag) {
    const portmap_conf conf = recorded_conf(r);
    if (conf.mappings.empty()) return false;
    try {
        verify(sock, conf, tag);
        return false;
    } catch (const cni::error& missing) {
        log::info("{} of container {}: {}; publishing again", missing.what(), r.container_id, missing.details());
    }
    apply(sock, conf, tag);
    return true;
}

struct restored_records {
    std::size_t restored = 0;
    std::vector<std::string> failed;  // "<container>: <why>", each logged
};

// restore() for every recorded attachment `wanted` names. Hold the state's lock exclusively.
restored_records restore_records(const sys::shared_state& state, netlink::socket& sock,
                                 const std::function<bool(const std::string& tag)>& wanted) {
    restored_records out;
    for (const auto& tag : record_tags(state)) {
        if (!wanted(tag)) continue;
        const auto record = load_record(state, tag);
        if (!record) continue;
        try {
            if (!restore(sock, *record, tag)) continue;
            log::info("published the ports of container {} again", record->container_id);
            ++out.restored;
        } catch (const std::exception& e) {
            log::error("cannot publish the ports of container {} again: {}", record->container_id, e.what());
            out.failed.push_back(record->container_id + ": " + e.what());
        }
    }
    return out;
}

}  // namespace

cni::result add(const cni::context& ctx) {
    const portmap_conf conf = parse_portmap_conf(ctx.conf, ctx.req);
    if (!ctx.conf.prev_result)
        throw cni::error(cni::code::invalid_config, "portmap must be chained: prevResult is missing",
                         "list portmap after the plugin that creates the interface (e.g. bridge) in a conflist");
    cni::result r = *ctx.conf.prev_result;
    r.cni_version = ctx.conf.cni_version;
    if (conf.mappings.empty() || (!conf.container_v4 && !conf.container_v6)) return r;

    // Shared: GC (exclusive) neither repairs an attachment half-published nor misses its record.
    const auto state = sys::shared_state::open(state_owner);
    const auto lock = state.lock(sys::lock_kind::shared);
    const std::string tag = attachment_tag(ctx);
    auto sock = netlink::netfilter_socket();
    apply(sock, conf, tag, &state);
    try {
        save_record(state, tag,
                    {ctx.req.container_id, ctx.req.ifname, ctx.req.netns, ctx.stdin_data, netns::capture(ctx.req.netns)});
    } catch (...) {
        withdraw(sock, [&](const std::string& t) { return t == tag; });
        sys::wanted_sysctls::here().drop(state_owner, tag);
        throw;
    }
    return r;
}

void del(const cni::context& ctx) {
    const portmap_conf conf = parse_portmap_conf(ctx.conf, ctx.req);
    const std::string tag = attachment_tag(ctx);
    const auto state = sys::shared_state::existing(state_owner);
    std::optional<sys::file_lock> lock;
    if (state) lock = state->lock(sys::lock_kind::exclusive);
    auto sock = netlink::netfilter_socket();
    touched_ports withdrawn = withdraw(sock, [&](const std::string& t) { return t == tag; });
    if (state) drop_record(*state, tag);
    sys::wanted_sysctls::here().drop(state_owner, tag);
    // Also the UDP ports the runtime names, in case a previous DEL withdrew them but died before flushing.
    for (const auto& m : conf.mappings) {
        if (m.protocol != IPPROTO_UDP) continue;
        if (m.applies_to(net::family::v4)) withdrawn.udp_v4.insert(m.host_port);
        if (m.applies_to(net::family::v6)) withdrawn.udp_v6.insert(m.host_port);
    }
    flush_conntrack(withdrawn);
}

void check(const cni::context& ctx) {
    const portmap_conf conf = parse_portmap_conf(ctx.conf, ctx.req);
    if (!ctx.conf.prev_result)
        throw cni::error(cni::code::invalid_config, "portmap CHECK needs prevResult", "it is missing from the config");
    if (conf.mappings.empty()) return;
    auto sock = netlink::netfilter_socket();
    verify(sock, conf, attachment_tag(ctx));
}

// Ready whenever nftables answers: an ADD can be served even if running containers lost their ports
// (a flushed ruleset), which is said on stderr, naming them (the spec's 50 and 51 mean not ready).
void status(const cni::context& ctx) {
    parse_portmap_conf(ctx.conf, ctx.req);
    std::optional<netlink::socket> sock;
    try {
        sock.emplace(netlink::netfilter_socket());
        nft::list_tables(*sock, nft::family::inet);
    } catch (const std::exception& e) {
        throw cni::error(cni::code::not_available, "the nftables API does not answer", e.what());
    }
    const auto state = sys::shared_state::existing(state_owner);
    if (!state) return;
    const std::string prefix = cni::network_tag_prefix(ctx.conf.name);
    std::string lost;
    for (const auto& tag : record_tags(*state)) {
        if (!tag.starts_with(prefix)) continue;
        const auto record = load_record(*state, tag);
        if (!record) continue;
        try {
            verify(*sock, recorded_conf(*record), tag);
        } catch (const std::exception& missing) {
            lost += (lost.empty() ? "" : "; ") + record->container_id + " (" + missing.what() + ")";
        }
    }
    if (!lost.empty())
        log::warn("network {} is degraded: published ports missing from nftables for {}; wharfd, the network's GC or "
                  "`wharf reconcile` publishes them again",
                  ctx.conf.name, lost);
}

void gc(const cni::context& ctx) {
    const std::string prefix = cni::network_tag_prefix(ctx.conf.name);
    std::set<std::string> valid;
    for (const auto& a : ctx.conf.valid_attachments) valid.insert(cni::owner_tag(ctx.conf.name, a.container_id, a.ifname));
    auto stale = [&](const std::string& t) { return t.starts_with(prefix) && !valid.contains(t); };
    const auto state = sys::shared_state::existing(state_owner);
    std::optional<sys::file_lock> lock;
    if (state) lock = state->lock(sys::lock_kind::exclusive);
    auto sock = netlink::netfilter_socket();
    touched_ports withdrawn = withdraw(sock, stale);
    flush_conntrack(withdrawn);
    const auto sysctls = sys::wanted_sysctls::here();
    sysctls.drop_stale(state_owner, stale);
    for (const auto& change : sys::restore_sysctls(sysctls.all(state_owner, [&](const std::string& t) { return valid.contains(t); }))) log::info("GC: set {} again", change);
    if (!state) return;
    for (const auto& tag : record_tags(*state))
        if (stale(tag)) drop_record(*state, tag);
    const restored_records outcome = restore_records(*state, sock, [&](const std::string& tag) { return valid.contains(tag); });
    if (!outcome.failed.empty()) {
        std::string details;
        for (const auto& f : outcome.failed) details += (details.empty() ? "" : "; ") + f;
        throw cni::error(cni::code::internal, "GC of network " + ctx.conf.name + " could not restore every published port",
                         details);
    }
}

std::size_t restore_recorded() {
    const auto state = sys::shared_state::existing(state_owner);
    if (!state) return 0;
    const auto lock = state->lock(sys::lock_kind::exclusive);
    auto sock = netlink::netfilter_socket();
    return restore_records(*state, sock, [](const std::string&) { return true; }).restored;
}

std::vector<attachment_record> reclaim_recorded(const std::function<bool(const attachment_record&)>& release) {
    const auto state = sys::shared_state::existing(state_owner);
    if (!state) return {};
    // Exclusive, as DEL: no ADD of the same attachment is half-way while its record is judged.
    const auto lock = state->lock(sys::lock_kind::exclusive);
    std::map<std::string, attachment_record> chosen;
    for (const auto& tag : record_tags(*state)) {
        auto record = load_record(*state, tag);
        if (record && release(*record)) chosen.emplace(tag, std::move(*record));
    }
    std::vector<attachment_record> released;
    if (chosen.empty()) return released;
    auto sock = netlink::netfilter_socket();
    const touched_ports withdrawn = withdraw(sock, [&](const std::string& t) { return chosen.contains(t); });
    const auto sysctls = sys::wanted_sysctls::here();
    for (auto& [tag, record] : chosen) {
        drop_record(*state, tag);
        sysctls.drop(state_owner, tag);
        released.push_back(std::move(record));
    }
    flush_conntrack(withdrawn);
    return released;
}

}  // namespace wharf::portmap
