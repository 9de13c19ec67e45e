#include "sys/dirs.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>

#include "base/os_error.hpp"

namespace wharf::sys {

std::string run_dir() {
    const char* dir = std::getenv("WHARF_RUN_DIR");
    return dir && *dir ? dir : "/run/wharf";
}

void make_directories(const std::string& path, unsigned mode) {
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        const std::string partial = path.substr(0, pos);
        if (partial.empty()) continue;
        if (::mkdir(partial.c_str(), mode) != 0 && errno != EEXIST) throw_errno("create directory \"" + partial + "\"");
    }
}

}  // namespace wharf::sys
