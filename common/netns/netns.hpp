#pragma once
// Network namespaces: a handle on one (an open fd, checked to really be a namespace), a guard that
// moves the calling thread into one for a scope, and netlink sockets opened inside one.
//
//   auto ns = netns::handle::open(args.netns);           // not_a_namespace / not_found on bad paths
//   auto container_nl = netns::open_socket(ns);           // bound in there; used from the host
//   { netns::guard in(ns); sys::sysctl::write("net/ipv6/conf/eth0/accept_dad", "0"); }
#include <sys/types.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "base/unique_fd.hpp"
#include "netlink/socket.hpp"

namespace wharf::netns {

// A namespace path that cannot be used; the two kinds below are what callers tell apart.
class path_error : public std::runtime_error {
public:
    path_error(const std::string& message, std::string path) : std::runtime_error(message), path_(std::move(path)) {}
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

// The path exists but is neither an nsfs nor a procfs file (CNI error code 8, "invalid netns").
struct not_a_namespace : path_error {
    explicit not_a_namespace(std::string path);
};

// The path does not exist (any more): a DEL may take the namespace as already gone.
struct not_found : path_error {
    explicit not_found(std::string path);
};

class handle {
public:
    // Opens `path` (/run/netns/x, /proc/<pid>/ns/net, ...) read-only and close-on-exec. Throws
    // not_found (ENOENT), not_a_namespace (wrong file system), or os_error for anything else.
    static handle open(const std::string& path);
    // The calling thread's current network namespace.
    static handle current();

    int fd() const noexcept { return fd_.get(); }
    const std::string& path() const noexcept { return path_; }
    // The namespace's inode number: equal inodes (on nsfs) mean the same namespace.
    ino_t inode() const;

private:
    handle(unique_fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

    unique_fd fd_;
    std::string path_;
};

// Moves the calling thread into `target` for the guard's lifetime. The destructor moves it back
// and calls std::abort() if it cannot: carrying on in the wrong namespace is worse than a crash.
class guard {
public:
    explicit guard(const handle& target);
    ~guard();
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;

private:
    handle saved_;
};

// A netlink socket opened inside `target`: enter, open, leave. The socket keeps acting on that
// namespace while the thread carries on in its own.
netlink::socket open_socket(const handle& target, int protocol);

}  // namespace wharf::netns
