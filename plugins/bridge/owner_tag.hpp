#pragma once
// Owner tags: what marks the kernel objects one attachment made, so DEL and GC find them without the
// container's namespace and without touching another network's objects. A tag is
// "wharf:<hash of network>:<hash of container id and ifname>" (39 bytes, fits an nftables comment);
// the host veth carries it at the start of its interface alias.
#include <string>
#include <string_view>

namespace wharf::bridge {

// "wharf:<16 hex digits>": the prefix every tag of `network` starts with.
std::string network_tag(std::string_view network);
// "wharf:<16 hex>:<16 hex>".
std::string owner_tag(std::string_view network, std::string_view container_id, std::string_view ifname);
// The tag at the start of `text` (an alias or comment), or empty if it holds none.
std::string tag_of(std::string_view text);

}  // namespace wharf::bridge
