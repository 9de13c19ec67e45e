// STATUS: the config reads and rtnetlink answers. GC: the records of this network's attachments
// that are not in cni.dev/valid-attachments go; nothing is restored, their interfaces are gone.
#include <linux/netlink.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "cni/error.hpp"
#include "commands.hpp"
#include "log/logging.hpp"
#include "netlink/socket.hpp"
#include "record.hpp"
#include "tuning_conf.hpp"

namespace wharf::tuning {

void status(const cni::context& ctx) {
    parse_tuning_conf(ctx.conf, ctx.req, ctx.stdin_data);
    try {
        netlink::socket::open(NETLINK_ROUTE);
    } catch (const std::exception& e) {
        throw cni::error(cni::code::not_available, "rtnetlink does not answer", e.what());
    }
}

void gc(const cni::context& ctx) {
    const tuning_conf conf = parse_tuning_conf(ctx.conf, ctx.req, ctx.stdin_data);
    const auto store = record_store::open_existing(conf.data_dir);
    if (!store) return;
    std::set<std::string> valid;
    for (const auto& a : ctx.conf.valid_attachments) valid.insert(record_name(a.container_id, a.ifname));
    std::vector<std::string> failures;
    for (const auto& name : store->names()) {
        if (valid.contains(name)) continue;
        try {
            // Only Wharf's records say their network; one without (the reference's) is left alone.
            if (store->load(name).value_or(record{}).network != ctx.conf.name) continue;
            store->remove(name);
            log::info("GC: removed {}/{}", store->dir(), name);
        } catch (const std::exception& e) {
            failures.push_back(name + ": " + e.what());
        }
    }
    if (!failures.empty())
        throw cni::error(cni::code::internal, "GC of network " + ctx.conf.name + " left records behind",
                         fmt::format("{}", fmt::join(failures, "; ")));
}

}  // namespace wharf::tuning
