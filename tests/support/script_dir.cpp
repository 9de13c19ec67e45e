#include "support/script_dir.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace wharf::test {

script_dir::script_dir() {
    std::string t = "/tmp/wharf-scripts-XXXXXX";
    if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp " + t + " failed");
    path_ = t;
}

script_dir::~script_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string script_dir::add(const std::string& name, const std::string& body, unsigned mode) const {
    const std::string file = path_ + "/" + name;
    {
        std::ofstream out(file);
        out << "#!/bin/sh\n" << body;
        if (!out) throw std::runtime_error("write " + file + " failed");
    }
    if (::chmod(file.c_str(), mode) != 0) throw std::runtime_error("chmod " + file + " failed");
    return file;
}

bool no_child_left() {
    errno = 0;
    return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace wharf::test
