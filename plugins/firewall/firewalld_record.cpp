#include "firewalld_record.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <sstream>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "sys/atomic_file.hpp"
#include "sys/dirs.hpp"

namespace wharf::firewall {

namespace {

constexpr const char* records_dir = "firewalld";

std::string dir_path(const sys::shared_state& state) { return state.path() + "/" + records_dir; }

// The records' directory; an empty fd when it does not exist and `create` is false.
unique_fd open_records(const sys::shared_state& state, bool create) {
    const std::string path = dir_path(state);
    if (create) sys::make_directories(path);
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd && !(errno == ENOENT && !create)) throw_errno("open directory " + path);
    return fd;
}

// Records live on the run directory's tmpfs, as the rules they describe: nothing to fsync.
constexpr sys::write_options unsynced{.sync_dir = false, .sync_file = false};

}  // namespace

void save_firewalld_record(const sys::shared_state& state, const std::string& tag, const firewalld_record& record) {
    std::string text = record.zone + "\n";
    for (const auto& s : record.sources) text += s + "\n";
    const auto dir = open_records(state, true);
    sys::write_file_atomic(dir.get(), dir_path(state), tag, text, unsynced);
}

std::optional<firewalld_record> load_firewalld_record(const sys::shared_state& state, const std::string& tag) {
    const auto dir = open_records(state, false);
    if (!dir) return std::nullopt;
    const auto text = sys::read_small_file(dir.get(), dir_path(state), tag);
    if (!text) return std::nullopt;
    firewalld_record record;
    std::istringstream lines(*text);
    std::getline(lines, record.zone);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) record.sources.push_back(line);
    return record;
}

void drop_firewalld_record(const sys::shared_state& state, const std::string& tag) {
    if (const auto dir = open_records(state, false)) sys::remove_file(dir.get(), dir_path(state), tag);
}

std::vector<std::string> firewalld_record_tags(const sys::shared_state& state) {
    const auto dir = open_records(state, false);
    std::vector<std::string> tags;
    if (!dir) return tags;
    for (auto& name : sys::list_names(dir.get(), dir_path(state)))
        if (!name.starts_with(sys::temp_prefix)) tags.push_back(std::move(name));
    return tags;
}

}  // namespace wharf::firewall
