#include "routing/route_monitor.hpp"

#include <linux/rtnetlink.h>

namespace wharf::agent::routing {

netlink::subscription open_route_monitor() {
    return netlink::subscription::open({RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_LINK});
}

}  // namespace wharf::agent::routing
