#pragma once
// Owner tags: the comment each nftables element of an attachment carries, so DEL and GC find exactly
// that attachment's elements (even after its address was reused, and without its portMappings) and a
// conflicting ADD can name the container that holds a port. A tag reads
//
//   "wpm:<16 hex digits: hash of the network name>:<ifname>:<container id>"
//
// and fits an nftables comment (127 bytes): a container id longer than fits is cut and ends in
// "~<16 hex digits of its hash>", so the tag stays unique.
#include <optional>
#include <string>
#include <string_view>

namespace wharf::portmap {

std::string owner_tag(std::string_view network, std::string_view container_id, std::string_view ifname);
// "wpm:<hash>:": the start of every tag of `network`.
std::string network_prefix(std::string_view network);

struct owner {
    std::string network_hash;
    std::string ifname;
    std::string container;  // the container id as the tag holds it (possibly shortened)
};
// The parts of a tag; nullopt for a comment that is not a portmap owner tag.
std::optional<owner> parse_owner(std::string_view tag);

// Whether two tags belong to the same container (any network, any interface).
bool same_container(std::string_view a, std::string_view b);

}  // namespace wharf::portmap
