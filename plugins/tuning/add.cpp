// ADD: validate everything, save what is about to change (durably), then change it one setting at
// a time; a failure puts back what was changed and the record as it was.
#include "base/undo_stack.hpp"
#include "cni/error.hpp"
#include "commands.hpp"
#include "container_link.hpp"
#include "log/logging.hpp"
#include "record.hpp"
#include "settings.hpp"
#include "tuning_conf.hpp"

namespace wharf::tuning {

cni::result add(const cni::context& ctx) {
    const tuning_conf conf = parse_tuning_conf(ctx.conf, ctx.req, ctx.stdin_data);
    if (!ctx.conf.prev_result)
        throw cni::error(cni::code::invalid_config, "tuning must be chained: prevResult is missing",
                         "list tuning after the plugin that creates the interface (e.g. bridge) in a conflist");
    cni::result r = *ctx.conf.prev_result;
    r.cni_version = ctx.conf.cni_version;
    auto target = open_container_link(ctx);
    if (conf.empty()) return r;

    record before = snapshot(target.ns, target.link, conf);
    before.network = ctx.conf.name;
    before.container_id = ctx.req.container_id;
    before.ifname = ctx.req.ifname;
    const auto store = record_store::open(conf.data_dir);
    const std::string name = record_name(ctx.req.container_id, ctx.req.ifname);
    // An ADD again over a record keeps the values from before the first one.
    const auto earlier = store.load(name);
    store.save(name, earlier ? merge_records(*earlier, before) : before);

    undo_stack undo;
    undo.push("restore record " + name, [&] {
        if (earlier) store.save(name, *earlier);
        else store.remove(name);
    });
    apply(target.ns, target.sock, target.link, conf, before, undo);
    undo.dismiss();

    if (conf.mac) {
        for (auto& i : r.interfaces)
            if (i.name == ctx.req.ifname) i.mac = conf.mac->to_string();
    }
    log::debug("tuned \"{}\" in {}", ctx.req.ifname, ctx.req.netns);
    return r;
}

}  // namespace wharf::tuning
