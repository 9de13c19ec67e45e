#pragma once
// The interface a request tunes: CNI_IFNAME in CNI_NETNS, with a netlink socket bound in there.
#include <linux/netlink.h>

#include <optional>

#include "cni/plugin_main.hpp"
#include "netlink/link.hpp"
#include "netns/netns.hpp"

namespace wharf::tuning {

struct container_link {
    netns::handle ns;
    netlink::socket sock;
    netlink::link_info link;
};

// Opens the namespace and finds the interface; its absence is an error naming both.
container_link open_container_link(const cni::context& ctx);
// As open_container_link, but nullopt when the namespace or the interface is gone (or CNI_NETNS is
// not given): for DEL, which has nothing to put back then.
std::optional<container_link> find_container_link(const cni::context& ctx);

}  // namespace wharf::tuning
