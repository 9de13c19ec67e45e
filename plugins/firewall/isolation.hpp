#pragma once
// ingressPolicy: "same-bridge" puts the attachment's bridge into the isolation sets of Wharf's
// firewall table (nft/isolation.hpp), a piece "iso-<bridge>" of the network shared by its
// attachments; "isolated" also sets the bridge-port flag `isolated` on the host veth, so the bridge
// forwards nothing between two isolated ports (bridged traffic never reaches the IP forward hook).
#include <functional>
#include <string>
#include <vector>

#include "firewall_conf.hpp"
#include "netlink/socket.hpp"
#include "nft/shared_pieces.hpp"
#include "sys/shared_state.hpp"

namespace wharf::firewall {

// The firewall plugin's tree of shared state: <run dir>/firewall/<netns inode>.
inline constexpr const char* state_owner = "firewall";

// The pieces an attachment with `conf` uses.
std::vector<std::string> pieces_of(const firewall_conf& conf);
const nft::piece_store& isolation_pieces();

// "isolated": the host veth's port flag.
void isolate_port(const std::string& host_veth, bool on);
// CHECK: throws cni::error when the host veth is not an isolated bridge port.
void verify_port_isolated(const std::string& host_veth);

}  // namespace wharf::firewall
