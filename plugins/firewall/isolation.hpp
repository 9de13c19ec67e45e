#pragma once
// ingressPolicy "same-bridge" (and "isolated") puts the attachment's bridge into the isolation sets
// of Wharf's firewall table (nft/isolation.hpp): a piece "iso-<bridge>" of the network, shared by its
// attachments. ("isolated"'s per-port part is an element of the attachment's own, layout.hpp.)
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

}  // namespace wharf::firewall
