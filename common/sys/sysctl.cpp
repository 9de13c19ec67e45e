#include "sys/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"

namespace wharf::sys::sysctl {

namespace {

std::string path_of(std::string_view key) {
    if (key.empty() || key.front() == '/' || key.find("..") != std::string_view::npos) {
        throw std::invalid_argument("bad sysctl key \"" + std::string(key) + "\"");
    }
    return "/proc/sys/" + std::string(key);
}

}  // namespace

void write(std::string_view key, std::string_view value) {
    const std::string path = path_of(key);
    const std::string what = "write sysctl " + std::string(key) + "=" + std::string(value);
    unique_fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno(what);
    // /proc/sys takes the value in one write; a short write would be an error for us too.
    const ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n < 0) throw_errno(what);
    if (static_cast<std::size_t>(n) != value.size()) throw os_error(EIO, what + " (short write)");
}

std::string read(std::string_view key) {
    const std::string path = path_of(key);
    const std::string what = "read sysctl " + std::string(key);
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno(what);
    std::string value;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno(what);
        }
        if (n == 0) break;
        value.append(buf, static_cast<std::size_t>(n));
    }
    while (!value.empty() && value.back() == '\n') value.pop_back();
    return value;
}

}  // namespace wharf::sys::sysctl
