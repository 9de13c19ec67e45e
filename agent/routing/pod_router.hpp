#pragma once
// pod_router: makes this node's kernel route to the other nodes' pod ranges, as plan.hpp wants it.
//
//   pod_router router(cfg);                      // in the node's network namespace
//   std::size_t changed = router.sync(peers);   // again on every Node change and route_monitor event
//
// sync() reads what is there (the main table's routes of protocol 87, the VXLAN device, its permanent
// neighbours and FDB entries), and changes only what differs: it adds what is missing, replaces what is
// wrong and removes what is stale, including protocol-87 routes a previous run left for nodes that are
// gone. It never flushes, so an agent restarted (even by SIGKILL) onto a right state changes nothing
// and pods lose no traffic. The VXLAN device is made when some peer needs it and removed when none
// does (its routes, neighbours and FDB entries go with it); a device of that name that is not VXLAN is
// never touched: sync reports it.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "netlink/socket.hpp"
#include "routing/config.hpp"
#include "routing/plan.hpp"

namespace wharf::agent::routing {

// Some changes failed; the others were made. what() lists each failure with its cause.
class sync_error : public std::runtime_error {
public:
    sync_error(const std::string& message, std::size_t changes) : std::runtime_error(message), changes_(changes) {}
    std::size_t changes() const noexcept { return changes_; }

private:
    std::size_t changes_;
};

class pod_router {
public:
    // Opens its netlink socket in the calling thread's network namespace and finds the underlay
    // (throws std::runtime_error when there is none).
    explicit pod_router(router_config config);
    // As above, with a NETLINK_ROUTE socket opened elsewhere (netns::open_socket).
    pod_router(router_config config, netlink::socket sock);

    // Brings the kernel to the plan for `peers`; returns the number of changes made (0: it was right).
    // Throws sync_error when some change failed, std::runtime_error when the state cannot be read.
    std::size_t sync(const std::vector<peer>& peers);
    // The MTU pods should get (see routing::pod_mtu), for the underlay found last.
    unsigned pod_mtu() const;
    // The plan of the last sync, with the peers it skipped and why.
    const plan& last_plan() const noexcept { return plan_; }
    const router_config& config() const noexcept { return config_; }

private:
    struct pass;  // one sync's change count and failures

    netlink::if_index sync_device(pass& p);
    void sync_tunnel_addresses(pass& p, netlink::if_index device);
    void sync_neighbours(pass& p, netlink::if_index device);
    void sync_fdb(pass& p, netlink::if_index device);
    void sync_routes(pass& p, netlink::if_index device);

    router_config config_;
    netlink::socket sock_;
    underlay underlay_;
    plan plan_;
};

}  // namespace wharf::agent::routing
