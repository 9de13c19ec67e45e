#pragma once
// The bridge plugin's CNI commands (see docs/bridge.md). Each reads its keys with parse_bridge_conf.
#include "cni/plugin_main.hpp"

namespace wharf::bridge {

cni::result add(const cni::context& ctx);
void del(const cni::context& ctx);
void check(const cni::context& ctx);
void status(const cni::context& ctx);
void gc(const cni::context& ctx);

}  // namespace wharf::bridge
