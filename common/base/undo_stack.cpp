#include "base/undo_stack.hpp"

#include <exception>

#include "log/logging.hpp"

namespace wharf {

void undo_stack::run() noexcept {
    while (!steps_.empty()) {
        step s = std::move(steps_.back());
        steps_.pop_back();
        try {
            s.undo();
        } catch (const std::exception& e) {
            log::warn("rollback of {} failed: {}", s.what, e.what());
        } catch (...) {
            log::warn("rollback of {} failed", s.what);
        }
    }
}

}  // namespace wharf
