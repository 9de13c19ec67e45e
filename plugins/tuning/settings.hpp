#pragma once
// The interface settings the tuning plugin changes, in the container's namespace: the link's over
// rtnetlink (a socket bound in there), sysctls as files under /proc/sys/net opened from in there.
#include <string>
#include <vector>

#include "base/undo_stack.hpp"
#include "netlink/link.hpp"
#include "netns/netns.hpp"
#include "record.hpp"
#include "tuning_conf.hpp"

namespace wharf::tuning {

// What `conf` is about to replace, as it is now: the link's values for the settings it changes,
// the current value of each sysctl it writes. A sysctl that does not exist is code 7.
record snapshot(const netns::handle& ns, const netlink::link_info& link, const tuning_conf& conf);

// Applies `conf` in the reference's order (sysctls, MAC, promisc, MTU, allmulti, txQLen), one change
// at a time; after each, its compensation (back to the value in `before`) goes on `undo`. The
// kernel refusing a value is code 7 naming the setting, with the kernel's words in details.
void apply(const netns::handle& ns, netlink::socket& sock, const netlink::link_info& link, const tuning_conf& conf,
           const record& before, undo_stack& undo);

// Puts back what `saved` holds (MTU, MAC, promisc, allmulti, txQLen, then the sysctls), going on
// after a failure; returns each failure, one line each (empty: all restored).
std::vector<std::string> restore(const netns::handle& ns, netlink::socket& sock, const netlink::link_info& link,
                                 const record& saved);

// "on" or "off", as messages name a flag's state.
std::string on_off(bool on);

// Reads sysctls at `paths` under /proc/sys inside `ns`, in order.
std::vector<std::string> read_sysctls(const netns::handle& ns, const std::vector<std::string>& paths);

}  // namespace wharf::tuning
