#include "netns/netns.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/os_error.hpp"

namespace wharf::netns {

namespace {
constexpr const char* thread_netns = "/proc/thread-self/ns/net";
}

not_a_namespace::not_a_namespace(std::string path)
    : path_error("\"" + path + "\" is not a network namespace", path) {}

not_found::not_found(std::string path) : path_error("network namespace \"" + path + "\" does not exist", path) {}

handle handle::open(const std::string& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) throw not_found(path);
        throw_errno("open netns \"" + path + "\"");
    }
    struct statfs fs {};
    if (fstatfs(fd.get(), &fs) < 0) throw_errno("fstatfs netns \"" + path + "\"");
    // A bind-mounted namespace (/run/netns/x) is on nsfs; /proc/<pid>/ns/net as opened is on procfs
    // on old kernels. Anything else, a regular file or a directory, is a caller's mistake.
    if (fs.f_type != static_cast<decltype(fs.f_type)>(NSFS_MAGIC) &&
        fs.f_type != static_cast<decltype(fs.f_type)>(PROC_SUPER_MAGIC)) {
        throw not_a_namespace(path);
    }
    return handle(std::move(fd), path);
}

handle handle::current() { return open(thread_netns); }

ino_t handle::inode() const {
    struct stat st {};
    if (fstat(fd_.get(), &st) < 0) throw_errno("fstat netns \"" + path_ + "\"");
    return st.st_ino;
}

guard::guard(const handle& target) : saved_(handle::current()) {
    if (setns(target.fd(), CLONE_NEWNET) < 0) throw_errno("enter netns \"" + target.path() + "\"");
}

guard::~guard() {
    if (setns(saved_.fd(), CLONE_NEWNET) < 0) {
        std::fprintf(stderr, "wharf: cannot return to the original network namespace: %s\n", std::strerror(errno));
        std::abort();
    }
}

netlink::socket open_socket(const handle& target, int protocol) {
    guard in(target);
    return netlink::socket::open(protocol);
}

}  // namespace wharf::netns
