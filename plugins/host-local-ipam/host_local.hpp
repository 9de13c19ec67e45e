#pragma once
// host-local's commands: ADD, DEL, CHECK, STATUS and GC over a disk_store, wired for cni::plugin_main.
#include "cni/plugin_main.hpp"
#include "cni/result.hpp"
#include "disk_store.hpp"

namespace wharf::ipam {

struct plugin_options {
    step_hook on_step;  // test builds only: see main.cpp
};

cni::result cmd_add(const cni::context& ctx, const plugin_options& opts);
void cmd_del(const cni::context& ctx, const plugin_options& opts);
void cmd_check(const cni::context& ctx, const plugin_options& opts);
void cmd_status(const cni::context& ctx, const plugin_options& opts);
void cmd_gc(const cni::context& ctx, const plugin_options& opts);

cni::handlers make_handlers(plugin_options opts);

}  // namespace wharf::ipam
