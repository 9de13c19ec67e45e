#pragma once
// The portmap plugin's commands: publish container ports on the host in nftables maps (ADD),
// withdraw exactly one attachment's (DEL) or every stale attachment's (GC), check them (CHECK) and
// report whether nftables answers (STATUS). Behaves as the reference plugin of the same name, with
// the differences docs/portmap.md lists.
#include <functional>
#include <vector>

#include "cni/plugin_main.hpp"
#include "record.hpp"

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
// The agent's reclaim (wharfd), in the calling thread's network namespace: every recorded attachment
// for which `release` answers true is withdrawn and its record dropped, as its DEL would, under the
// lock DEL takes. Returns the records released.
std::vector<attachment_record> reclaim_recorded(const std::function<bool(const attachment_record&)>& release);

}  // namespace wharf::portmap
