#pragma once
// Owner tags: what marks the kernel objects one attachment made (nftables comments and elements, the
// host veth's alias, the bridge's shared-state files), so DEL and GC find exactly that attachment's
// objects, without its namespace and without touching another network's. A tag reads
//
//   "wharf:<16 hex digits: hash of the network name>:<ifname>:<container id>"
//
// and fits an nftables comment (127 bytes): a container id longer than fits is cut and ends in
// "~<16 hex digits of its hash>", so the tag stays unique. An alias may go on after the tag, after
// a space; CNI container ids and interface names hold neither spaces nor slashes.
#include <optional>
#include <string>
#include <string_view>

namespace wharf::cni {

// "wharf:<hash>:": the start of every tag of `network`.
std::string network_tag_prefix(std::string_view network);
std::string owner_tag(std::string_view network, std::string_view container_id, std::string_view ifname);

struct tag_owner {
    std::string tag;           // the whole tag
    std::string network_hash;  // 16 hex digits
    std::string ifname;
    std::string container;  // the container id as the tag holds it (possibly cut)
};
// The tag at the start of `text` (a comment, or an alias the tag starts), or nullopt if none.
std::optional<tag_owner> parse_owner_tag(std::string_view text);
// The tag at the start of `text`, or empty.
std::string tag_of(std::string_view text);

// Whether two tags belong to the same container (any network, any interface).
bool same_container(std::string_view a, std::string_view b);

}  // namespace wharf::cni
