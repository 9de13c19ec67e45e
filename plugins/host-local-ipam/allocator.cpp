#include "allocator.hpp"

#include <fmt/format.h>

#include "cni/error.hpp"

namespace wharf::ipam {

using net::ip_address;

range_iterator::range_iterator(const range_set& set, const std::optional<ip_address>& last_reserved)
    : set_(set) {
    if (last_reserved) {
        for (std::size_t i = 0; i < set_.ranges.size(); ++i) {
            if (set_.ranges[i].contains(*last_reserved)) {
                idx_ = i;
                cur_ = *last_reserved;
                started_ = true;  // the first next() moves past it
                return;
            }
        }
    }
    idx_ = 0;
}

void range_iterator::advance() {
    if (!started_) {
        cur_ = set_.ranges[idx_].start;
        started_ = true;
        return;
    }
    if (cur_ == set_.ranges[idx_].end) {
        idx_ = (idx_ + 1) % set_.ranges.size();
        cur_ = set_.ranges[idx_].start;
    } else {
        cur_ = cur_.next();
    }
}

std::optional<ip_address> range_iterator::next() {
    for (;;) {
        advance();
        if (!first_) first_ = cur_;
        else if (cur_ == *first_) return std::nullopt;  // wrapped all the way round
        if (cur_ == set_.ranges[idx_].gateway) continue;
        return cur_;
    }
}

std::optional<ip_address> find_free(const range_set& set, const std::optional<ip_address>& last_reserved,
                                    const taken_fn& is_taken) {
    range_iterator it(set, last_reserved);
    while (auto a = it.next())
        if (!is_taken(*a)) return a;
    return std::nullopt;
}

std::vector<std::optional<ip_address>> assign_requests(const std::vector<range_set>& sets,
                                                       const std::vector<ip_address>& requested) {
    std::vector<std::optional<ip_address>> out(sets.size());
    for (const auto& a : requested) {
        bool placed = false;
        for (std::size_t i = 0; i < sets.size() && !placed; ++i) {
            const ip_range* r = sets[i].range_for(a);
            if (!r) continue;
            if (a == r->gateway)
                throw cni::error(cni::code::invalid_config,
                                 fmt::format("requested IP address {} is the gateway of range set {} ({})",
                                             a.to_string(), i, sets[i].to_string()));
            if (out[i] && *out[i] != a)
                throw cni::error(cni::code::invalid_config,
                                 fmt::format("requested IP addresses {} and {} both lie in range set {} ({}): "
                                             "one address is allocated per range set",
                                             out[i]->to_string(), a.to_string(), i, sets[i].to_string()));
            out[i] = a;
            placed = true;
        }
        if (!placed)
            throw cni::error(cni::code::invalid_config,
                             fmt::format("requested IP address {} is in none of the {} configured range sets",
                                         a.to_string(), sets.size()));
    }
    return out;
}

}  // namespace wharf::ipam
