#pragma once
// The pure half of host-local: which address to hand out, given a range set and a way to ask whether an
// address is taken. No I/O; the disk store answers `is_taken`.
#include <functional>
#include <optional>
#include <vector>

#include "net/ip_address.hpp"
#include "range_set.hpp"

namespace wharf::ipam {

// Walks a range set in the reference plugin's order: from the address after `last_reserved` when that lies
// in the set (round robin), else from the first range's start; range by range, wrapping around once;
// never yielding a range's gateway. Each allocatable address is yielded exactly once.
class range_iterator {
public:
    range_iterator(const range_set& set, const std::optional<net::ip_address>& last_reserved);
    std::optional<net::ip_address> next();

private:
    void advance();
    const range_set& set_;
    std::size_t idx_ = 0;
    net::ip_address cur_;
    std::optional<net::ip_address> first_;  // the first address yielded (or visited); reaching it again ends
    bool started_ = false;
};

using taken_fn = std::function<bool(const net::ip_address&)>;

// The first address the iterator yields that is not taken; nullopt when the set is exhausted.
std::optional<net::ip_address> find_free(const range_set& set, const std::optional<net::ip_address>& last_reserved,
                                         const taken_fn& is_taken);

// Requested addresses, matched to range sets: element i is the address requested from set i, if any.
// Throws cni::error 7 when an address lies in no set, is a range's gateway, or a second address falls in
// a set that already has one (one address per set), so that such a request reserves nothing.
std::vector<std::optional<net::ip_address>> assign_requests(const std::vector<range_set>& sets,
                                                            const std::vector<net::ip_address>& requested);

}  // namespace wharf::ipam
