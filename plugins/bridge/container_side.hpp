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
void configure_container(netlink::socket& container, netlink::if_index ifindex, const cni::result& r,
                         const bridge_conf& conf);

// Sets a link up with net.ipv4.conf.<link>.arp_notify = 1, in one RTM_NEWLINK (no sysctl, no setns).
void set_up_with_arp_notify(netlink::socket& sock, netlink::if_index ifindex);

}  // namespace wharf::bridge
