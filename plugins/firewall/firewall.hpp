#pragma once
// The firewall plugin's commands: let an attachment's traffic through the host's forwarding filter
// (ADD), withdraw exactly that attachment's rules and elements (DEL) or every stale attachment's
// (GC), check them (CHECK) and report whether nftables answers (STATUS). Keys as the reference
// plugin of the same name; docs/firewall.md says what differs.
#include "cni/plugin_main.hpp"

namespace wharf::firewall {

cni::result add(const cni::context& ctx);
void del(const cni::context& ctx);
void check(const cni::context& ctx);
void status(const cni::context& ctx);
void gc(const cni::context& ctx);

}  // namespace wharf::firewall
