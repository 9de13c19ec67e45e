#pragma once
// file_lock: an flock(2) on a lock file, exclusive unless asked to be shared, held for as long as
// the object lives.
// flock locks belong to the open file description, so the lock is released when the fd closes,
// including when the process dies: a killed holder never leaves a store locked.
#include <string>

#include "base/unique_fd.hpp"

namespace wharf::sys {

enum class lock_kind { exclusive, shared };  // LOCK_EX: one holder; LOCK_SH: any number, no exclusive one

class file_lock {
public:
    // Opens (creating with `mode` if needed) `name` relative to directory fd `dir_fd` (AT_FDCWD for a
    // path) and blocks until the lock is granted. Throws os_error naming the path.
    static file_lock acquire_at(int dir_fd, const std::string& name, const std::string& path_for_errors,
                                unsigned mode = 0600, lock_kind kind = lock_kind::exclusive);
    static file_lock acquire(const std::string& path, unsigned mode = 0600);

    // Non-blocking attempt: an empty lock (holds() == false) when someone else holds it.
    static file_lock try_acquire(const std::string& path, unsigned mode = 0600);

    file_lock(file_lock&&) noexcept = default;
    file_lock& operator=(file_lock&&) noexcept = default;
    bool holds() const noexcept { return static_cast<bool>(fd_); }

private:
    explicit file_lock(unique_fd fd) noexcept : fd_(std::move(fd)) {}
    unique_fd fd_;
};

}  // namespace wharf::sys
