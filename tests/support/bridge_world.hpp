#pragma once
// A throwaway world for bridge plugin tests: a sandbox namespace standing for the host (the plugin
// runs inside it, so bridges, veths, sysctls and nftables tables never touch the real host),
// container namespaces, an optional "outside" namespace joined to the host by a veth, a unique
// bridge name and subnets, and a temporary IPAM data directory. Everything goes on destruction.
#include <memory>
#include <string>
#include <vector>

#include "json/json.hpp"
#include "support/netns_exec.hpp"
#include "support/plugin_runner.hpp"
#include "support/sandbox.hpp"

namespace wharf::test {

// A shell command line run whole inside `ns` (netns_sandbox::exec hands `&&` to the outer shell).
std::string in_netns(const netns_sandbox& ns, const std::string& command, int* rc = nullptr);

// The first IPv4 (or IPv6) address of a CNI result, without its prefix length; empty when none.
std::string ip_of(const nlohmann::json& result, bool v6 = false);
// Whether one ping from `from` to `to` is answered within a second.
bool pings(const netns_sandbox& from, const std::string& to);
// `conf` with `prev` as its prevResult.
nlohmann::json with_prev(nlohmann::json conf, const nlohmann::json& prev);

struct outside_world {
    std::unique_ptr<netns_sandbox> ns;
    std::string host_ip;     // the host sandbox's address on the link, e.g. 10.150.3.1
    std::string outside_ip;  // the outside namespace's address, e.g. 10.150.3.2
};

class bridge_world {
public:
    bridge_world();
    ~bridge_world();
    bridge_world(const bridge_world&) = delete;
    bridge_world& operator=(const bridge_world&) = delete;

    netns_sandbox host{"wbh"};
    std::string bridge = unique_name("wbr");
    std::string subnet4 = unique_subnet_v4();
    std::string subnet6 = unique_subnet_v6();
    std::string data_dir;  // ipam.dataDir
    // Where delegates are found: our bin dir first, then the reference plugins.
    std::string cni_path = std::string(WHARF_BIN_DIR) + ":/usr/lib/cni";

    // A bridge config on `bridge` with host-local IPAM over subnet4 (and subnet6 when dual).
    nlohmann::json conf(const std::string& network, bool dual = false, const std::string& version = "1.1.0") const;
    // A fresh container namespace, owned by the world.
    const netns_sandbox& container(const std::string& stem = "wbc");
    // Joins a new namespace to the host by a veth with private addresses; the host sandbox routes.
    const outside_world& outside();

    // Runs our bridge plugin (or `binary`) inside the host sandbox.
    run_result run(const std::string& command, const nlohmann::json& conf, const std::string& netns,
                   const std::string& container_id, const std::string& ifname = "eth0", const std::string& args = "",
                   const std::string& binary = plugin_path("bridge")) const;
    // A shell command line (pipes, &&) run whole inside the host sandbox.
    std::string in_host(const std::string& command, int* rc = nullptr) const;
    // `nft -j list ruleset` in the host sandbox, as text (empty when nothing is there).
    std::string ruleset() const;
    // Reservation files host-local keeps for `network` (addresses only, no lock or last_reserved files).
    std::vector<std::string> reservations(const std::string& network) const;

private:
    std::vector<std::unique_ptr<netns_sandbox>> containers_;
    std::unique_ptr<outside_world> outside_;
};

}  // namespace wharf::test
