#include "cli/named_netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "base/os_error.hpp"
#include "cli/failure.hpp"
#include "cli/files.hpp"
#include "cni/env.hpp"

namespace wharf::cli {

std::string sandbox_name_problem(const std::string& name) {
    if (name.empty()) return "it is empty";
    if (name.size() > 64) return "it is longer than 64 bytes";
    if (!cni::is_valid_identifier(name)) return "use letters, digits, '_', '.' and '-', starting with a letter or digit";
    return {};
}

void named_netns_dir::ensure_dir() const {
    make_directories(dir_, 0755);
    // Shared propagation, so namespaces mounted here show up in every mount namespace that sees the
    // directory. If it is not a mount point yet, make it one by bind-mounting it onto itself.
    if (::mount("", dir_.c_str(), "none", MS_SHARED | MS_REC, nullptr) == 0) return;
    if (errno != EINVAL) throw_errno("make \"" + dir_ + "\" a shared mount");
    if (::mount(dir_.c_str(), dir_.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0)
        throw_errno("bind-mount \"" + dir_ + "\" onto itself");
    if (::mount("", dir_.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0)
        throw_errno("make \"" + dir_ + "\" a shared mount");
}

std::string named_netns_dir::create(const std::string& name) const {
    if (auto problem = sandbox_name_problem(name); !problem.empty())
        throw failure(exit_code::usage, "invalid name \"" + name + "\": " + problem);
    ensure_dir();
    std::string path = path_of(name);
    int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0) {
        if (errno == EEXIST)
            throw failure(exit_code::already_exists, "network namespace \"" + path + "\" already exists",
                          "pick another name, or remove it first");
        throw_errno("create \"" + path + "\"");
    }
    ::close(fd);
    // unshare() changes only the calling thread's namespace, so a short-lived thread does it and
    // the process never leaves its own.
    int err = 0;
    std::string failed_step;
    std::thread([&] {
        if (::unshare(CLONE_NEWNET) != 0) {
            err = errno;
            failed_step = "unshare a new network namespace";
            return;
        }
        std::string self = "/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/ns/net";
        if (::mount(self.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
            err = errno;
            failed_step = "bind-mount the new namespace onto \"" + path + "\"";
        }
    }).join();
    if (err != 0) {
        ::unlink(path.c_str());
        throw os_error(err, failed_step);
    }
    return path;
}

bool named_netns_dir::remove(const std::string& name) const {
    std::string path = path_of(name);
    bool mounted = ::umount2(path.c_str(), MNT_DETACH) == 0;
    if (!mounted && errno != EINVAL && errno != ENOENT) throw_errno("unmount \"" + path + "\"");
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return mounted;
        throw_errno("remove \"" + path + "\"");
    }
    return true;
}

bool named_netns_dir::exists(const std::string& name) const {
    struct stat st {};
    return ::stat(path_of(name).c_str(), &st) == 0;
}

std::vector<std::string> named_netns_dir::list() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace wharf::cli
