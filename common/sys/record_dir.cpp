#include "sys/record_dir.hpp"

#include <fcntl.h>

#include <cerrno>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "sys/atomic_file.hpp"
#include "sys/dirs.hpp"

namespace wharf::sys {

namespace {

// The directory; an empty fd when it does not exist and `create` is false.
unique_fd open_record_dir(const std::string& path, bool create) {
    if (create) make_directories(path);
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd && !(errno == ENOENT && !create)) throw_errno("open directory " + path);
    return fd;
}

constexpr write_options record_writes{.sync_dir = false, .sync_file = false};

}  // namespace

void record_dir::save(const std::string& tag, const std::string& text) const {
    const auto dir = open_record_dir(path_, true);
    write_file_atomic(dir.get(), path_, tag, text, record_writes);
}

std::optional<std::string> record_dir::load(const std::string& tag) const {
    const auto dir = open_record_dir(path_, false);
    if (!dir) return std::nullopt;
    return read_small_file(dir.get(), path_, tag);
}

void record_dir::drop(const std::string& tag) const {
    if (const auto dir = open_record_dir(path_, false)) remove_file(dir.get(), path_, tag);
}

std::vector<std::string> record_dir::tags() const {
    std::vector<std::string> out;
    const auto dir = open_record_dir(path_, false);
    if (!dir) return out;
    for (auto& name : list_names(dir.get(), path_))
        if (!name.starts_with(temp_prefix)) out.push_back(std::move(name));
    return out;
}

}  // namespace wharf::sys
