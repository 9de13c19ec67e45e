#include "errors.hpp"

#include <fmt/ranges.h>

#include "cni/error.hpp"
#include "log/logging.hpp"

namespace wharf::bridge {

void error_list::record(const std::string& what, const std::string& why) noexcept {
    try {
        failures_.push_back(what + ": " + why);
        log::warn("{}: {}", what, why);
    } catch (...) {
    }
}

void error_list::throw_if_any(const std::string& operation) const {
    if (failures_.empty()) return;
    throw cni::error(cni::code::internal, fmt::format("{}: {} step(s) failed", operation, failures_.size()),
                     fmt::format("{}", fmt::join(failures_, "; ")));
}

}  // namespace wharf::bridge
