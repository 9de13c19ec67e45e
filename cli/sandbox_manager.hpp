#pragma once
// Docker's workflows on network namespaces: a sandbox stands for a container. The manager makes and
// removes sandboxes, attaches them to networks (CNI ADD through cli::runtime, interface eth0, eth1,
// ...) and detaches them (DEL), keeping a sandbox_record so that removing a sandbox DELs every
// attachment it has.
#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

#include "cli/named_netns.hpp"
#include "cli/runtime.hpp"
#include "cli/sandbox_state.hpp"
#include "cli/settings.hpp"

namespace wharf::cli {

// What `--net` asks for: a network name, none, host, or container:OTHER.
struct net_request {
    net_mode mode = net_mode::network;
    std::string network;  // for net_mode::network
    std::string other;    // for net_mode::container
};
// Throws failure(usage) for "container:" without a name.
net_request parse_net_request(const std::string& text);

class sandbox_manager {
public:
    explicit sandbox_manager(const settings& s, bool own_process_group = false);

    // A new sandbox: its own namespace with lo up (none, or network before attach()), the host's
    // (host), or another sandbox's (container). Throws failure(already_exists) if the name is taken.
    sandbox_record create(const std::string& name, const net_request& net);
    // ADDs the sandbox to `network` as the next free ethN (or `ifname`); returns the CNI result.
    // On failure the partial attachment is DELeted again before the error is rethrown.
    nlohmann::json attach(sandbox_record& sb, const std::string& network, const nlohmann::json& capability_args,
                          const std::string& ifname = {});
    // DELs the attachment; throws failure(not_found) if the sandbox is not on that network.
    void detach(sandbox_record& sb, const std::string& network);
    // DELs every attachment (newest first), removes the namespace if ours and the record. With
    // `force`, a failed DEL is reported but the rest is removed anyway; without, the sandbox stays.
    void remove(const std::string& name, bool force);

    const sandbox_store& store() const noexcept { return store_; }
    const named_netns_dir& namespaces() const noexcept { return netns_; }
    runtime& cni() noexcept { return runtime_; }
    const settings& config() const noexcept { return settings_; }
    // The network's list from the configuration directory, or, if it is gone from there, the copy
    // the result cache kept when the sandbox was attached.
    network_list network_for(const sandbox_record& sb, const attachment_record& a);

private:
    runtime_conf runtime_conf_for(const sandbox_record& sb, const attachment_record& a) const;

    settings settings_;
    sandbox_store store_;
    named_netns_dir netns_;
    runtime runtime_;
};

// Brings lo up inside the namespace at `netns_path`.
void set_loopback_up(const std::string& netns_path);

}  // namespace wharf::cli
