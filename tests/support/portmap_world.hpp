#pragma once
// A throwaway world for portmap tests, on top of bridge_world: the "host" is a sandbox namespace
// (bridge, portmap and their nftables tables, sysctls and conntrack entries all live there), an
// outside namespace stands for a remote client, and containers are attached by chaining our bridge
// plugin into our portmap plugin through prevResult, as a runtime running a conflist does.
// Listeners started in containers are killed, and everything else is removed, on destruction.
#include <string>
#include <vector>

#include "json/json.hpp"
#include "support/bridge_world.hpp"

namespace wharf::test {

struct attachment {
    const netns_sandbox* ns = nullptr;
    std::string id;
    std::string ifname = "eth0";
    nlohmann::json bridge_conf;
    nlohmann::json bridge_result;
    std::string ip4;  // without prefix length
    std::string ip6;  // empty when single stack
};

class portmap_world {
public:
    portmap_world();
    ~portmap_world();
    portmap_world(const portmap_world&) = delete;
    portmap_world& operator=(const portmap_world&) = delete;

    bridge_world w;
    std::string outside_ip6;  // the outside namespace's IPv6 address (set by enable_ipv6_outside)
    std::string host_ip6;     // the host sandbox's IPv6 address on that link

    // A bridge config with a default gateway, so containers answer clients beyond the bridge.
    nlohmann::json bridge_conf(const std::string& network, bool dual = false, bool hairpin = false) const;
    // A portmap config for `network` with these mappings (a JSON list) and prevResult.
    nlohmann::json portmap_conf(const std::string& network, const nlohmann::json& mappings,
                                const nlohmann::json& prev = nullptr) const;

    // Runs bridge ADD for a new container (or `ns` when given) and returns the attachment.
    attachment attach(const nlohmann::json& bridge_conf, const std::string& id, const netns_sandbox* ns = nullptr,
                      const std::string& ifname = "eth0");
    // Runs our portmap plugin in the host sandbox.
    run_result portmap(const std::string& command, const nlohmann::json& conf, const attachment& a) const;
    run_result portmap(const std::string& command, const nlohmann::json& conf, const std::string& netns,
                       const std::string& id, const std::string& ifname = "eth0") const;
    // bridge ADD, then portmap ADD with its prevResult; REQUIREs both to succeed.
    attachment publish(const nlohmann::json& bridge_conf, const std::string& id, const nlohmann::json& mappings);

    // Starts a TCP and a UDP echo of `reply` in `ns` on `port` (IPv4 and IPv6).
    void listen(const netns_sandbox& ns, unsigned port, const std::string& reply);
    // What a TCP / UDP client in `ns` (nullptr: the host sandbox) reads from host:port; empty when nothing.
    std::string tcp(const netns_sandbox* ns, const std::string& host, unsigned port) const;
    std::string udp(const netns_sandbox* ns, const std::string& host, unsigned port, const std::string& bind = {}) const;

    // Gives the outside link IPv6 addresses and the outside namespace a route to `subnet6`.
    void enable_ipv6_outside(const std::string& subnet6);
    // Lets the outside namespace route `subnet` through the host sandbox.
    void route_outside(const std::string& subnet);

    // `nft list table inet wharf_portmap` in the host sandbox (empty when absent).
    std::string table() const;
    // The comment-free elements of one map, one line per element, e.g. "tcp . 0.0.0.0 . 8080 : 10.1.2.3 . 80".
    std::vector<std::string> elements(const std::string& map) const;

private:
    std::vector<std::string> listener_pids_;
};

}  // namespace wharf::test
