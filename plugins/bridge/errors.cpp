#include "errors.hpp"

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
    std::string details;
    for (const auto& f : failures_) details += (details.empty() ? "" : "; ") + f;
    throw cni::error(cni::code::internal, operation + ": " + std::to_string(failures_.size()) + " step(s) failed", details);
}

}  // namespace wharf::bridge
