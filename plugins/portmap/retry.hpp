#pragma once
// Runs a read-then-commit step again when its transaction lost a race with another one (the key it
// meant to create appeared, or an element it meant to delete vanished).
#include <cerrno>

#include "log/logging.hpp"
#include "nft/error.hpp"

namespace wharf::portmap {

inline constexpr int commit_attempts = 20;

template <typename Step>
auto with_retries(const char* what, Step step) {
    for (int attempt = 1;; ++attempt) {
        try {
            return step();
        } catch (const nft::error& e) {
            const int err = e.code_value();
            if ((err != EEXIST && err != ENOENT && err != EBUSY) || attempt == commit_attempts) throw;
            log::debug("{}: transaction lost a race ({}), reading again (attempt {})", what, e.what(), attempt + 1);
        }
    }
}

}  // namespace wharf::portmap
