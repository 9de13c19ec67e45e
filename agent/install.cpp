#include "install.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "log/logging.hpp"
#include "sys/atomic_file.hpp"
#include "sys/dirs.hpp"

namespace wharf::agent {

namespace {

constexpr unsigned plugin_mode = 0755;

unique_fd open_dir(const std::string& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno("open directory " + path);
    return fd;
}

// True when `name` in the target is a regular file with mode 0755 and exactly `bytes`.
bool same_plugin(int dir_fd, const std::string& dir_path, const std::string& name, const std::string& bytes) {
    const auto st = sys::stat_at(dir_fd, dir_path, name);
    if (!st || !S_ISREG(st->st_mode) || (st->st_mode & 07777) != plugin_mode) return false;
    if (static_cast<std::size_t>(st->st_size) != bytes.size()) return false;
    return sys::read_small_file(dir_fd, dir_path, name) == bytes;
}

// Installs one plugin; returns whether it was written.
bool install_one(int source_fd, const std::string& source_dir, int target_fd, const std::string& target_dir,
                 const std::string& name) {
    auto bytes = sys::read_small_file(source_fd, source_dir, name);
    if (!bytes) throw os_error(ENOENT, "read plugin " + source_dir + "/" + name);
    if (same_plugin(target_fd, target_dir, name, *bytes)) {
        log::debug("wharfd: {}/{} has the same bytes as {}/{}: left alone", target_dir, name, source_dir, name);
        return false;
    }
    sys::write_file_atomic(target_fd, target_dir, name, *bytes, {.mode = plugin_mode});
    log::debug("wharfd: installed {}/{} from {}/{}", target_dir, name, source_dir, name);
    return true;
}

}  // namespace

const std::vector<std::string>& required_plugins() {
    static const std::vector<std::string> names = {"bridge", "host-local", "portmap", "loopback", "firewall"};
    return names;
}

const std::vector<std::string>& optional_plugins() {
    static const std::vector<std::string> names = {"tuning"};
    return names;
}

std::string own_directory() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw os_error(ec.value(), "read /proc/self/exe");
    return exe.parent_path().string();
}

install_report install_plugins(const std::string& source_dir, const std::string& target_dir) {
    const auto source_fd = open_dir(source_dir);
    sys::make_directories(target_dir, 0755);
    const auto target_fd = open_dir(target_dir);
    install_report report;
    const auto one = [&](const std::string& name) {
        auto& list = install_one(source_fd.get(), source_dir, target_fd.get(), target_dir, name) ? report.installed
                                                                                                 : report.unchanged;
        list.push_back(name);
    };
    for (const auto& name : required_plugins()) one(name);
    for (const auto& name : optional_plugins())
        if (sys::stat_at(source_fd.get(), source_dir, name)) one(name);
    log::info("wharfd: plugins in {}: {} installed, {} unchanged", target_dir, report.installed.size(),
              report.unchanged.size());
    return report;
}

}  // namespace wharf::agent
