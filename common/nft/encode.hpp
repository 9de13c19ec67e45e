#pragma once
// Message payloads for nftables objects, built with libnftnl from our value types (internal to
// common/nft: the transaction and the reads use them). Each appends attributes to `nlh`.
#include <linux/netlink.h>

#include <cstdint>
#include <span>

#include "nft/objects.hpp"

namespace wharf::nft::detail {

void put_table(nlmsghdr* nlh, const table& t);
// The whole chain (for add) or only its name and table (for delete and flush).
void put_chain(nlmsghdr* nlh, const chain& c, bool name_only);
// `id` identifies the new set within its transaction.
void put_set(nlmsghdr* nlh, const set& s, std::uint32_t id);
void put_set_name(nlmsghdr* nlh, const set_ref& s);
// The table and set an element message addresses; alone, it means every element (flush, dump).
void put_elements_target(nlmsghdr* nlh, const set_ref& s);
void put_elements(nlmsghdr* nlh, const set_ref& s, std::span<const element> elements);
// A rule by table, chain (may be empty) and handle (0: none).
void put_rule_ref(nlmsghdr* nlh, const std::string& table, const std::string& chain, std::uint64_t handle);
// An upper bound on the bytes an element takes in a message.
std::size_t encoded_size(const element& e);

}  // namespace wharf::nft::detail
