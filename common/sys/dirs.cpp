#include "sys/dirs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
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

std::vector<std::string> list_names(int dir_fd, const std::string& dir_path) {
    const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_errno("open directory \"" + dir_path + "\"");
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd), ::closedir);
    if (!dir) {
        ::close(fd);
        throw_errno("read directory \"" + dir_path + "\"");
    }
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* e = ::readdir(dir.get())) {
        std::string name = e->d_name;
        if (name != "." && name != "..") names.push_back(std::move(name));
        errno = 0;
    }
    if (errno != 0) throw_errno("read directory \"" + dir_path + "\"");
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace wharf::sys
