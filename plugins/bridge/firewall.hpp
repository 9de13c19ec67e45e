#pragma once
// The nftables state of one attachment: masquerade entries for its addresses, its bridge in the
// isolation sets, and its spoof-check entries, made in ONE transaction (see nft_layout.hpp).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/mac.hpp"
#include "net/prefix.hpp"
#include "nft/socket.hpp"

namespace wharf::bridge {

struct attachment_rules {
    std::string tag;                      // owner_tag(network, container, ifname)
    std::vector<net::prefix> masquerade;  // container addresses with their subnet's length (ipMasq)
    std::string isolated_bridge;          // non-empty: the bridge joins the isolation sets
    std::string host_veth;                // for the spoof check
    std::optional<net::mac> spoof_mac;    // set: frames from host_veth must carry this source MAC

    bool empty() const noexcept { return masquerade.empty() && isolated_bridge.empty() && !spoof_mac; }
};

// Creates whatever base objects are missing and adds the attachment's elements, atomically.
void apply_rules(nft::socket& sock, const attachment_rules& rules);
// Throws cni::error naming the first element that is missing or not owned by rules.tag.
void verify_rules(nft::socket& sock, const attachment_rules& rules);
// Removes every element whose owner tag satisfies `stale` (one transaction); returns how many.
std::size_t remove_owned(nft::socket& sock, const std::function<bool(const std::string& tag)>& stale);

}  // namespace wharf::bridge
