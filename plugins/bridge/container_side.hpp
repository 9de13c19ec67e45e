#pragma once
// The container end of the veth, configured from the host through a netlink socket opened in the
// container's namespace: addresses (no DAD unless asked), up with arp_notify, routes.
#include "bridge_conf.hpp"
#include "cni/result.hpp"
#include "netlink/link.hpp"
#include "netlink/socket.hpp"

namespace wharf::bridge {

// `r` holds the addresses and routes to install (routes without a gateway use the gateway of their
// family's address, as the reference does). With disableContainerInterface the link stays down.
// The link goes up with net.ipv4.conf.<link>.arp_notify = 1 in one RTM_NEWLINK (no sysctl, no setns).
void configure_container(netlink::socket& container, const netlink::link_info& inside, const cni::result& r,
                         const bridge_conf& conf);

}  // namespace wharf::bridge
