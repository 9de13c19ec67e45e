#include "sys/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "base/os_error.hpp"

namespace wharf::sys {

namespace {
unique_fd open_lock_file(int dir_fd, const std::string& name, const std::string& path, unsigned mode) {
    int fd = ::openat(dir_fd, name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) throw_errno("open lock file " + path);
    return unique_fd(fd);
}
}  // namespace

file_lock file_lock::acquire_at(int dir_fd, const std::string& name, const std::string& path_for_errors,
                                unsigned mode, lock_kind kind) {
    unique_fd fd = open_lock_file(dir_fd, name, path_for_errors, mode);
    while (::flock(fd.get(), kind == lock_kind::shared ? LOCK_SH : LOCK_EX) != 0) {
        if (errno != EINTR) throw_errno("lock " + path_for_errors);
    }
    return file_lock(std::move(fd));
}

file_lock file_lock::acquire(const std::string& path, unsigned mode) {
    return acquire_at(AT_FDCWD, path, path, mode);
}

file_lock file_lock::try_acquire(const std::string& path, unsigned mode) {
    unique_fd fd = open_lock_file(AT_FDCWD, path, path, mode);
    while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) return file_lock(unique_fd());
        if (errno != EINTR) throw_errno("lock " + path);
    }
    return file_lock(std::move(fd));
}

}  // namespace wharf::sys
