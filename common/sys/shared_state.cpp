#include "sys/shared_state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/os_error.hpp"
#include "netns/netns.hpp"
#include "sys/atomic_file.hpp"
#include "sys/dirs.hpp"

namespace wharf::sys {

namespace {

constexpr const char* attachments_dir = "attachments";
constexpr const char* users_dir = "users";
constexpr write_options unsynced{.sync_dir = false, .sync_file = false};

unique_fd open_dir_at(int dir_fd, const std::string& name, const std::string& path_for_errors) {
    int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_errno("open directory " + path_for_errors);
    return unique_fd(fd);
}

void make_dir_at(int dir_fd, const std::string& name, const std::string& path_for_errors) {
    if (::mkdirat(dir_fd, name.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("create directory " + path_for_errors);
}

// The names in directory `name` below `dir_fd`, without . and ..; empty when it does not exist.
std::vector<std::string> names_in(int dir_fd, const std::string& name, const std::string& path_for_errors) {
    std::vector<std::string> out;
    int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return out;
        throw_errno("open directory " + path_for_errors);
    }
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        throw_errno("read directory " + path_for_errors);
    }
    errno = 0;
    while (const dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != ".." && !n.starts_with(temp_prefix)) out.push_back(std::move(n));
    }
    const int err = errno;
    ::closedir(d);
    if (err != 0) throw os_error(err, "read directory " + path_for_errors);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::string state_path(const std::string& owner) {
    return run_dir() + "/" + owner + "/" + std::to_string(netns::handle::current().inode());
}

}  // namespace

std::optional<shared_state> shared_state::existing(const std::string& owner) {
    const std::string path = state_path(owner);
    struct stat st {};
    if (::stat((path + "/" + attachments_dir).c_str(), &st) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("stat " + path + "/" + attachments_dir);
    }
    return open(owner);
}

shared_state shared_state::open(const std::string& owner) {
    const std::string path = state_path(owner);
    make_directories(path, 0700);
    unique_fd dir = open_dir_at(AT_FDCWD, path, path);
    make_dir_at(dir.get(), attachments_dir, path + "/" + attachments_dir);
    make_dir_at(dir.get(), users_dir, path + "/" + users_dir);
    unique_fd attachments = open_dir_at(dir.get(), attachments_dir, path + "/" + attachments_dir);
    return shared_state(path, std::move(dir), std::move(attachments));
}

file_lock shared_state::lock(lock_kind kind) const {
    return file_lock::acquire_at(dir_.get(), "lock", path_ + "/lock", 0600, kind);
}

std::vector<std::string> shared_state::pieces_of(const std::string& tag) const {
    auto text = read_small_file(attachments_.get(), path_ + "/" + attachments_dir, tag);
    return text ? split_lines(*text) : std::vector<std::string>{};
}

bool shared_state::uses(const std::string& tag, const std::string& piece) const {
    return stat_at(dir_.get(), path_, std::string(users_dir) + "/" + piece + "/" + tag).has_value();
}

void shared_state::join(const std::string& tag, const std::vector<std::string>& pieces) const {
    std::vector<std::string> all = pieces_of(tag);
    for (const auto& p : pieces)
        if (std::find(all.begin(), all.end(), p) == all.end()) all.push_back(p);
    // The user entries first, then the record that DEL reads: a crash in between leaves entries
    // that GC finds by their tag.
    for (const auto& p : all) {
        const std::string piece_dir = std::string(users_dir) + "/" + p;
        make_dir_at(dir_.get(), piece_dir, path_ + "/" + piece_dir);
        const std::string entry = piece_dir + "/" + tag;
        int fd = ::openat(dir_.get(), entry.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) throw_errno("create " + path_ + "/" + entry);
        ::close(fd);
    }
    std::string record;
    for (const auto& p : all) record += p + "\n";
    write_file_atomic(attachments_.get(), path_ + "/" + attachments_dir, tag, record, unsynced);
}

std::vector<std::string> shared_state::leave(const std::string& tag) const {
    std::vector<std::string> last;
    for (const auto& p : pieces_of(tag)) {
        const std::string piece_dir = std::string(users_dir) + "/" + p;
        remove_file(dir_.get(), path_, piece_dir + "/" + tag);
        // rmdir succeeds only on an empty directory: that is the test for "no user left".
        if (::unlinkat(dir_.get(), piece_dir.c_str(), AT_REMOVEDIR) == 0) {
            last.push_back(p);
        } else if (errno == ENOENT) {
            last.push_back(p);  // a previous DEL got this far and died: the piece may still be there
        } else if (errno != ENOTEMPTY && errno != EEXIST) {
            throw_errno("remove " + path_ + "/" + piece_dir);
        }
    }
    return last;
}

void shared_state::forget(const std::string& tag) const {
    remove_file(attachments_.get(), path_ + "/" + attachments_dir, tag);
}

bool shared_state::drop_users(const std::string& piece, const std::function<bool(const std::string& tag)>& stale) const {
    const std::string piece_dir = std::string(users_dir) + "/" + piece;
    bool dropped = false;
    for (const auto& tag : names_in(dir_.get(), piece_dir, path_ + "/" + piece_dir)) {
        if (!stale(tag)) continue;
        remove_file(dir_.get(), path_, piece_dir + "/" + tag);
        dropped = true;
    }
    if (!dropped) return false;
    if (::unlinkat(dir_.get(), piece_dir.c_str(), AT_REMOVEDIR) == 0) return true;
    if (errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) throw_errno("remove " + path_ + "/" + piece_dir);
    return false;
}

std::vector<std::string> shared_state::attachments() const {
    return names_in(dir_.get(), attachments_dir, path_ + "/" + attachments_dir);
}

std::vector<std::string> shared_state::pieces() const { return names_in(dir_.get(), users_dir, path_ + "/" + users_dir); }

}  // namespace wharf::sys
