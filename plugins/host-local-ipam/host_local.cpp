#include "host_local.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "allocator.hpp"
#include "base/trim.hpp"
#include "cni/error.hpp"
#include "ipam_conf.hpp"
#include "owner_record.hpp"
#include "resolv_conf.hpp"

namespace wharf::ipam {

using net::ip_address;

namespace {

std::string describe(const cni::attachment& a) {
    return fmt::format("container {} interface {}", a.container_id, a.ifname);
}

std::string describe(const owner& o) {
    return o.legacy() ? fmt::format("container {}", o.container_id) : fmt::format("container {} interface {}", o.container_id, o.ifname);
}

std::string set_name(const ipam_conf& c, std::size_t i) {
    return fmt::format("range set {} ({})", i, c.range_sets[i].to_string());
}

}  // namespace

cni::result cmd_add(const cni::context& ctx, const plugin_options& opts) {
    // Everything that needs no lock happens first, to keep the critical section short.
    const ipam_conf conf = parse_ipam_conf(ctx.conf, ctx.req, true);
    const auto wanted = assign_requests(conf.range_sets, conf.requested);
    std::optional<cni::dns_config> dns;
    if (!conf.resolv_conf.empty()) dns = read_resolv_conf(conf.resolv_conf);
    const cni::attachment me{ctx.req.container_id, ctx.req.ifname};
    const std::size_t n = conf.range_sets.size();
    // Where the container lives, for wharfd's reclaim; taken outside the lock (it enters the netns).
    // Without the namespace's identity a record could prove nothing, so there is none.
    const netns::origin origin = netns::capture(ctx.req.netns);
    const std::string owner_record =
        origin.id.known()
            ? format_owner_record({.container_id = trim(me.container_id), .ifname = me.ifname, .origin = origin})
            : std::string();

    std::vector<std::optional<ip_address>> chosen(n);
    {
        auto store = disk_store::open(conf.data_dir, conf.network, opts.on_step);
        store.ensure_indexed(n);
        // An ADD repeated for an attachment that already holds addresses returns them.
        const auto held = store.held_by(me);
        for (const auto& ip : held) {
            std::size_t i = 0;
            while (i < n && !conf.range_sets[i].contains(ip)) ++i;
            if (i == n || chosen[i])
                throw cni::error(cni::code::invalid_config,
                                 fmt::format("{} already holds {}, which does not fit the configured range sets; "
                                             "DEL it first", describe(me), ip.to_string()));
            chosen[i] = ip;
            if (wanted[i] && *wanted[i] != ip)
                throw cni::error(cni::code::invalid_config,
                                 fmt::format("{} already holds {} from {}, not the requested {}; DEL it first",
                                             describe(me), ip.to_string(), set_name(conf, i),
                                             wanted[i]->to_string()));
        }
        std::vector<new_reservation> added;
        for (std::size_t i = 0; i < n; ++i) {
            if (chosen[i]) continue;
            if (wanted[i]) {
                if (auto o = store.owner_of(*wanted[i]))
                    throw cni::error(cni::code::internal,
                                     fmt::format("requested IP address {} is not available in {}: reserved for {}",
                                                 wanted[i]->to_string(), set_name(conf, i), describe(*o)));
                chosen[i] = wanted[i];
            } else {
                chosen[i] = find_free(conf.range_sets[i], store.last_reserved(i),
                                      [&](const ip_address& a) { return store.is_taken(a); });
                if (!chosen[i])
                    throw cni::error(cni::code::internal,
                                     fmt::format("no IP addresses available in {}: all {} addresses are reserved",
                                                 set_name(conf, i), conf.range_sets[i].size()));
            }
            added.push_back({*chosen[i], i});
        }
        store.reserve(me, held, added, owner_record);
    }

    cni::result r;
    if (!ctx.conf.cni_version.empty()) r.cni_version = ctx.conf.cni_version;
    for (std::size_t i = 0; i < n; ++i) {
        const ip_range* range = conf.range_sets[i].range_for(*chosen[i]);
        r.ips.push_back({.address = net::prefix(*chosen[i], range->subnet.length()), .gateway = range->gateway});
    }
    r.routes = conf.routes;
    if (dns) r.dns = *dns;
    return r;
}

void cmd_del(const cni::context& ctx, const plugin_options& opts) {
    // Requested addresses are not read: DEL releases exactly what this attachment holds, whatever IP=
    // says (Podman repeats the ADD's IP= on DEL, and another container may hold that address).
    const ipam_conf conf = parse_ipam_conf(ctx.conf, ctx.req, false);
    auto store = disk_store::open(conf.data_dir, conf.network, opts.on_step);
    store.ensure_indexed(conf.range_sets.size());
    store.release({ctx.req.container_id, ctx.req.ifname});
}

void cmd_check(const cni::context& ctx, const plugin_options& opts) {
    const ipam_conf conf = parse_ipam_conf(ctx.conf, ctx.req, false);
    const cni::attachment me{ctx.req.container_id, ctx.req.ifname};
    auto store = disk_store::open(conf.data_dir, conf.network, opts.on_step);
    store.ensure_indexed(conf.range_sets.size());
    if (!ctx.conf.prev_result || ctx.conf.prev_result->ips.empty()) {
        if (store.held_by(me).empty())
            throw cni::error(cni::code::unknown_container,
                             fmt::format("host-local: no address is reserved for {} in network {}", describe(me),
                                         conf.network));
        return;
    }
    for (const auto& ipc : ctx.conf.prev_result->ips) {
        const ip_address& ip = ipc.address.address();
        auto o = store.owner_of(ip);
        if (!o)
            throw cni::error(cni::code::internal,
                             fmt::format("host-local: address {} in prevResult is not reserved in network {}",
                                         ip.to_string(), conf.network));
        if (!owned_by(*o, me))
            throw cni::error(cni::code::internal,
                             fmt::format("host-local: address {} in prevResult is reserved for {}, not for {}",
                                         ip.to_string(), describe(*o), describe(me)));
    }
}

void cmd_status(const cni::context& ctx, const plugin_options& opts) {
    const ipam_conf conf = parse_ipam_conf(ctx.conf, ctx.req, false);
    auto store = disk_store::open(conf.data_dir, conf.network, opts.on_step);
    for (std::size_t i = 0; i < conf.range_sets.size(); ++i) {
        auto free = find_free(conf.range_sets[i], store.last_reserved(i),
                              [&](const ip_address& a) { return store.is_taken(a); });
        if (!free)
            throw cni::error(cni::code::not_available,
                             fmt::format("{} is exhausted: all {} addresses are reserved", set_name(conf, i),
                                         conf.range_sets[i].size()));
    }
}

void cmd_gc(const cni::context& ctx, const plugin_options& opts) {
    const ipam_conf conf = parse_ipam_conf(ctx.conf, ctx.req, false);
    auto store = disk_store::open(conf.data_dir, conf.network, opts.on_step);
    auto out = store.gc(ctx.conf.valid_attachments, conf.range_sets.size());
    if (!out.errors.empty()) {
        throw cni::error(cni::code::io_failure,
                         fmt::format("GC of network {}: {} errors ({} reservations released)", conf.network,
                                     out.errors.size(), out.released.size()),
                         fmt::format("{}", fmt::join(out.errors, "; ")));
    }
}

cni::handlers make_handlers(plugin_options opts) {
    cni::handlers h;
    h.add = [opts](const cni::context& c) { return cmd_add(c, opts); };
    h.del = [opts](const cni::context& c) { cmd_del(c, opts); };
    h.check = [opts](const cni::context& c) { cmd_check(c, opts); };
    h.status = [opts](const cni::context& c) { cmd_status(c, opts); };
    h.gc = [opts](const cni::context& c) { cmd_gc(c, opts); };
    return h;
}

}  // namespace wharf::ipam
