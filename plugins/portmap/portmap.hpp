#pragma once
// The portmap plugin's commands: publish container ports on the host in nftables maps (ADD),
// withdraw exactly one attachment's (DEL) or every stale attachment's (GC), check them (CHECK) and
// report whether nftables answers (STATUS). Behaves as the reference plugin of the same name, with
// the differences docs/portmap.md lists.
#include "cni/plugin_main.hpp"

namespace wharf::portmap {

cni::result add(const cni::context& ctx);
void del(const cni::context& ctx);
void check(const cni::context& ctx);
void status(const cni::context& ctx);
void gc(const cni::context& ctx);
// The agent's repair (wharfd), in the calling thread's network namespace: every attachment with a
// record is published again if CHECK's verification finds something of it missing. Returns how
// many were; one that cannot be is logged and the others still are.
std::size_t restore_recorded();

}  // namespace wharf::portmap
