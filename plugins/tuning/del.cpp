// DEL: put back what ADD saved and remove the record. Nothing saved, no namespace, no interface:
// nothing to put back, and success (a DEL may come twice, or after the container is gone).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cni/error.hpp"
#include "commands.hpp"
#include "container_link.hpp"
#include "log/logging.hpp"
#include "record.hpp"
#include "settings.hpp"
#include "tuning_conf.hpp"

namespace wharf::tuning {

void del(const cni::context& ctx) {
    const tuning_conf conf = parse_tuning_conf(ctx.conf, ctx.req, ctx.stdin_data);
    const auto store = record_store::open_existing(conf.data_dir);
    if (!store) return;
    const std::string name = record_name(ctx.req.container_id, ctx.req.ifname);
    const auto saved = store->load(name);
    if (!saved) return;

    auto target = find_container_link(ctx);
    if (!target) {
        log::info("DEL: \"{}\" is gone with its namespace; dropping {}", ctx.req.ifname, name);
        store->remove(name);
        return;
    }
    const auto failures = restore(target->ns, target->sock, target->link, *saved);
    if (!failures.empty())
        throw cni::error(cni::code::internal, "DEL could not restore every setting of \"" + ctx.req.ifname + "\"",
                         fmt::format("{}; kept {}/{} for another DEL", fmt::join(failures, "; "), store->dir(), name));
    store->remove(name);
}

}  // namespace wharf::tuning
