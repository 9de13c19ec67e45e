#pragma once
// The tuning plugin's commands. A chained plugin: ADD and CHECK need prevResult, whose interface
// named CNI_IFNAME it tunes; the result is prevResult, with that interface's MAC when ADD changed it.
#include "cni/plugin_main.hpp"

namespace wharf::tuning {

cni::result add(const cni::context& ctx);
void del(const cni::context& ctx);
void check(const cni::context& ctx);
void status(const cni::context& ctx);
void gc(const cni::context& ctx);

}  // namespace wharf::tuning
