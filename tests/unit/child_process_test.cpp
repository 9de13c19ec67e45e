// sys::spawn_piped (vfork + execve), exchange and wait_exit_code with real child processes.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

#include "base/os_error.hpp"
#include "sys/child_process.hpp"

using namespace wharf;

namespace {

// An executable script in a private temp dir, removed with the object.
struct script {
    std::string dir, path;
    explicit script(const std::string& body, unsigned mode = 0755) {
        std::string t = "/tmp/wharf-child-XXXXXX";
        REQUIRE(mkdtemp(t.data()));
        dir = t;
        path = dir + "/s";
        std::ofstream(path) << "#!/bin/sh\n" << body;
        ::chmod(path.c_str(), mode);
    }
    ~script() {
        ::unlink(path.c_str());
        ::rmdir(dir.c_str());
    }
};

}  // namespace

TEST_CASE("the child gets exactly the environment given, stdin on a pipe, and its exit status comes back") {
    script s("read line\necho \"$line $WHARF_CHILD_TEST ${HOME:-unset}\"\nexit 7\n");
    auto child = sys::spawn_piped(s.path, {"WHARF_CHILD_TEST=there", "PATH=/usr/bin:/bin"});
    CHECK(sys::exchange(std::move(child.to_child), std::move(child.from_child), "hello\n") == "hello there unset\n");
    CHECK(sys::wait_exit_code(child.pid) == 7);
}

TEST_CASE("an exec that fails is an os_error with the exec's errno, and leaves no child behind") {
    auto code_of = [](const std::string& binary) {
        try {
            sys::spawn_piped(binary, {});
        } catch (const os_error& e) {
            CHECK(std::string(e.what()).find(binary) != std::string::npos);
            return e.code_value();
        }
        return 0;
    };
    CHECK(code_of("/nonexistent/wharf-plugin") == ENOENT);
    script not_executable("exit 0\n", 0644);
    CHECK(code_of(not_executable.path) == EACCES);
    errno = 0;
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);  // the failed child was reaped
    CHECK(errno == ECHILD);
}
