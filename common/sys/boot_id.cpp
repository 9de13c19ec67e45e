#include "sys/boot_id.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "base/trim.hpp"
#include "base/unique_fd.hpp"

namespace wharf::sys {

std::string boot_id() {
    unique_fd fd(::open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC));
    if (!fd) return {};
    char buf[64];
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n <= 0) return {};
    return trim(std::string_view(buf, static_cast<std::size_t>(n)));
}

}  // namespace wharf::sys
