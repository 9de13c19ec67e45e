#pragma once
// The kernel events after which pod_router::sync() must look again: routes of either family and links
// (a hand-deleted route, a deleted VXLAN device or underlay). Neighbour events are left out: the
// underlay's ARP and NDP churn would wake the agent all the time, and the next sync puts a removed
// tunnel neighbour back.
//
//   auto monitor = routing::open_route_monitor();   // in the node's namespace
//   poll monitor.fd(); if (monitor.drain() > 0) router.sync(peers);
#include "netlink/subscription.hpp"

namespace wharf::agent::routing {

netlink::subscription open_route_monitor();

}  // namespace wharf::agent::routing
