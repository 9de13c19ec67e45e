#include "sys/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"

namespace wharf::sys {

namespace {

std::string join(const std::string& dir, const std::string& name) { return dir + "/" + name; }

void write_all(int fd, std::string_view data, const std::string& what) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("write " + what);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
}

void fsync_fd(int fd, const std::string& what) {
    if (::fsync(fd) != 0) throw_errno("fsync " + what);
}

// Only a hint: where it is not supported the later fsync does all the work.
void start_writeback(int fd) { ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE); }

std::string temp_name(const std::string& name) {
    static std::atomic<unsigned> counter{0};
    return std::string(temp_prefix) + name + "." + std::to_string(::getpid()) + "." +
           std::to_string(counter.fetch_add(1));
}

}  // namespace

void write_file_atomic(int dir_fd, const std::string& dir_path, const std::string& name, std::string_view data,
                       const write_options& opts) {
    const std::string tmp = temp_name(name);
    const std::string tmp_path = join(dir_path, tmp);
    int raw = ::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, opts.mode);
    if (raw < 0) throw_errno("create " + tmp_path);
    unique_fd fd(raw);
    bool renamed = false;
    try {
        // fchmod: the umask must not widen or narrow what the caller asked for.
        if (::fchmod(fd.get(), opts.mode) != 0) throw_errno("chmod " + tmp_path);
        write_all(fd.get(), data, tmp_path);
        if (opts.mtime) {
            timespec times[2] = {*opts.mtime, *opts.mtime};
            if (::futimens(fd.get(), times) != 0) throw_errno("set times of " + tmp_path);
        }
        if (opts.sync_file) fsync_fd(fd.get(), tmp_path);
        else if (opts.start_writeback) start_writeback(fd.get());
        // Closed before it is in place: an exec of the target never finds it open for writing (ETXTBSY).
        fd.reset();
        if (::renameat(dir_fd, tmp.c_str(), dir_fd, name.c_str()) != 0)
            throw_errno("rename " + tmp_path + " to " + join(dir_path, name));
        renamed = true;
        if (opts.sync_dir) fsync_dir(dir_fd, dir_path);
    } catch (...) {
        if (!renamed) ::unlinkat(dir_fd, tmp.c_str(), 0);
        throw;
    }
}

bool create_exclusive(int dir_fd, const std::string& dir_path, const std::string& name, std::string_view data,
                      unsigned mode, bool sync) {
    const std::string path = join(dir_path, name);
    int raw = ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (raw < 0) {
        if (errno == EEXIST) return false;
        throw_errno("create " + path);
    }
    unique_fd fd(raw);
    try {
        if (::fchmod(fd.get(), mode) != 0) throw_errno("chmod " + path);
        write_all(fd.get(), data, path);
        if (sync) fsync_fd(fd.get(), path);
        else start_writeback(fd.get());
    } catch (...) {
        ::unlinkat(dir_fd, name.c_str(), 0);
        throw;
    }
    return true;
}

void fsync_dir(int dir_fd, const std::string& dir_path) {
    if (::fsync(dir_fd) != 0) throw_errno("fsync directory " + dir_path);
}

void fsync_file(int dir_fd, const std::string& dir_path, const std::string& name) {
    int raw = ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (raw < 0) throw_errno("open " + join(dir_path, name) + " to fsync it");
    unique_fd fd(raw);
    fsync_fd(fd.get(), join(dir_path, name));
}

bool remove_file(int dir_fd, const std::string& dir_path, const std::string& name) {
    if (::unlinkat(dir_fd, name.c_str(), 0) == 0) return true;
    if (errno == ENOENT) return false;
    throw_errno("remove " + join(dir_path, name));
}

std::optional<std::string> read_small_file(int dir_fd, const std::string& dir_path, const std::string& name) {
    int raw = ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (raw < 0) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("open " + join(dir_path, name));
    }
    unique_fd fd(raw);
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read " + join(dir_path, name));
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

std::optional<struct stat> stat_at(int dir_fd, const std::string& dir_path, const std::string& name) {
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return st;
    if (errno == ENOENT) return std::nullopt;
    throw_errno("stat " + join(dir_path, name));
}

}  // namespace wharf::sys
