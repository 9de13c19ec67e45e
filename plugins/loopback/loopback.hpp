#pragma once
// The loopback plugin: brings `lo` up in the container's network namespace (ADD), down (DEL), and
// checks that it is up (CHECK). Behaves as the reference plugin of the same name.
#include "cni/plugin_main.hpp"

namespace wharf::loopback {

cni::result add(const cni::context& ctx);
void del(const cni::context& ctx);
void check(const cni::context& ctx);

}  // namespace wharf::loopback
