#include "cli/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"

namespace wharf::cli {

std::optional<std::string> read_file_if_exists(const std::string& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("open \"" + path + "\"");
    }
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read \"" + path + "\"");
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

void write_file_replacing(const std::string& path, std::string_view data, unsigned mode) {
    std::string temp = path + ".tmp." + std::to_string(::getpid());
    {
        unique_fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
        if (!fd) throw_errno("create \"" + temp + "\"");
        std::size_t done = 0;
        while (done < data.size()) {
            ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                int err = errno;
                ::unlink(temp.c_str());
                throw os_error(err, "write \"" + temp + "\"");
            }
            done += static_cast<std::size_t>(n);
        }
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(temp.c_str());
        throw os_error(err, "rename \"" + temp + "\" to \"" + path + "\"");
    }
}

bool remove_file_if_exists(const std::string& path) {
    if (::unlink(path.c_str()) == 0) return true;
    if (errno == ENOENT) return false;
    throw_errno("remove \"" + path + "\"");
}

}  // namespace wharf::cli
