#pragma once
// A throwaway world for firewall plugin tests: a sandbox namespace standing for the host (bridges,
// veths, iptables-nft's and Wharf's nftables tables all live there), an outside namespace joined to
// it by a veth with routes both ways, and up to three networks, each a bridge of its own over one
// of 10.62.0.0/16, 10.63.0.0/16 and 10.64.0.0/16 (a /25 derived from the PID). Containers are
// attached by chaining our bridge plugin into our firewall plugin through prevResult, as a runtime
// running a conflist does. Names start with "wfw"; everything is removed on destruction.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "json/json.hpp"
#include "support/bridge_world.hpp"

namespace wharf::test {

struct fw_network {
    std::string name;     // the CNI network name
    std::string bridge;
    std::string subnet;   // 10.6x.y.0/25
    std::string policy;   // ingressPolicy; empty: not set
};

struct fw_container {
    const netns_sandbox* ns = nullptr;
    std::string id;
    const fw_network* net = nullptr;
    nlohmann::json bridge_result;
    std::string ip;
};

class firewall_world {
public:
    firewall_world();
    ~firewall_world();
    firewall_world(const firewall_world&) = delete;
    firewall_world& operator=(const firewall_world&) = delete;

    netns_sandbox host{"wfwh"};
    std::unique_ptr<netns_sandbox> outside;
    std::string host_ip, outside_ip;  // the two ends of the outside link
    std::string data_dir;             // ipam.dataDir
    // Added to the firewall plugin's environment. DBUS_SYSTEM_BUS_ADDRESS names a socket that does not
    // exist unless a test points it at its own bus: no test reaches the real host's firewalld.
    std::map<std::string, std::string> firewall_env;

    // Network `index` (0, 1, 2: over 10.62, 10.63, 10.64) with this ingressPolicy.
    const fw_network& network(unsigned index, const std::string& policy = "");
    nlohmann::json bridge_conf(const fw_network& n, const std::string& version = "1.1.0") const;
    nlohmann::json firewall_conf(const fw_network& n, const nlohmann::json& prev, const std::string& version = "1.1.0") const;

    // bridge ADD for a new container on `n`; with `firewall`, then firewall ADD with its prevResult.
    // REQUIREs each to succeed.
    fw_container attach(const fw_network& n, const std::string& id, bool firewall = true,
                        const std::string& version = "1.1.0");
    run_result firewall(const std::string& command, const nlohmann::json& conf, const fw_container& c) const;
    run_result bridge(const std::string& command, const nlohmann::json& conf, const fw_container& c) const;
    // firewall DEL then bridge DEL; REQUIREs both.
    void detach(const fw_container& c, const std::string& version = "1.1.0");

    std::string in_host(const std::string& command, int* rc = nullptr) const { return in_netns(host, command, rc); }
    // iptables' filter FORWARD policy DROP in the host sandbox (iptables-nft; with `v6` ip6tables-nft too),
    // as Docker or a distribution default leaves it. REQUIREs it to work.
    void drop_forwarding(bool v6 = false) const;
    // `nft list ruleset` in the host sandbox.
    std::string ruleset() const;

private:
    std::vector<std::unique_ptr<fw_network>> networks_;
    std::vector<std::unique_ptr<netns_sandbox>> containers_;
    unsigned third_octet_ = 0;
};

}  // namespace wharf::test
