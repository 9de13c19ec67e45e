// common/sys: durable atomic writes, exclusive creates and flock contention across processes.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "sys/atomic_file.hpp"
#include "sys/dirs.hpp"
#include "sys/file_lock.hpp"

using namespace wharf;
namespace fs = std::filesystem;

namespace {
struct temp_dir {
    std::string path;
    unique_fd fd;
    temp_dir() {
        char tmpl[] = "/tmp/wharf-sys-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
        fd.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(fd);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};
}  // namespace

TEST_CASE("write_file_atomic replaces content, applies mode and mtime, leaves no temp file") {
    temp_dir t;
    sys::write_file_atomic(t.fd.get(), t.path, "f", "one");
    sys::write_file_atomic(t.fd.get(), t.path, "f", "two", {.mode = 0640, .mtime = timespec{946684800, 0}});
    CHECK(sys::read_small_file(t.fd.get(), t.path, "f") == "two");
    auto st = sys::stat_at(t.fd.get(), t.path, "f");
    REQUIRE(st);
    CHECK((st->st_mode & 0777) == 0640);
    CHECK(st->st_mtim.tv_sec == 946684800);
    int entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(t.path)) ++entries;
    CHECK(entries == 1);
    CHECK_FALSE(sys::read_small_file(t.fd.get(), t.path, "missing"));
    CHECK_FALSE(sys::stat_at(t.fd.get(), t.path, "missing"));
}

TEST_CASE("create_exclusive claims once; remove_file reports absence; errors name the path") {
    temp_dir t;
    CHECK(sys::create_exclusive(t.fd.get(), t.path, "10.0.0.1", "id\r\neth0"));
    CHECK_FALSE(sys::create_exclusive(t.fd.get(), t.path, "10.0.0.1", "other"));
    CHECK(sys::read_small_file(t.fd.get(), t.path, "10.0.0.1") == "id\r\neth0");
    CHECK(sys::remove_file(t.fd.get(), t.path, "10.0.0.1"));
    CHECK_FALSE(sys::remove_file(t.fd.get(), t.path, "10.0.0.1"));
    try {
        sys::create_exclusive(t.fd.get(), t.path, "no/such/dir", "x");
        FAIL("expected an error");
    } catch (const os_error& e) {
        CHECK(std::string(e.what()).find(t.path + "/no/such/dir") != std::string::npos);
        CHECK(e.code_value() == ENOENT);
    }
}

TEST_CASE("file_lock excludes another process until released") {
    temp_dir t;
    const std::string lock_path = t.path + "/lock";
    auto probe = [&] {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            auto l = sys::file_lock::try_acquire(lock_path);
            ::_exit(l.holds() ? 0 : 1);
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
    };
    {
        auto held = sys::file_lock::acquire(lock_path);
        CHECK(held.holds());
        CHECK_FALSE(probe());
    }
    CHECK(probe());
}

TEST_CASE("list_names: every name but . and .., sorted, twice from the same descriptor; a file throws") {
    temp_dir t;
    CHECK(sys::list_names(t.fd.get(), t.path).empty());
    sys::write_file_atomic(t.fd.get(), t.path, "b.json", "{}");
    sys::write_file_atomic(t.fd.get(), t.path, "a_eth0.json", "{}");
    REQUIRE(::mkdirat(t.fd.get(), "sub", 0700) == 0);
    const std::vector<std::string> want = {"a_eth0.json", "b.json", "sub"};
    CHECK(sys::list_names(t.fd.get(), t.path) == want);
    CHECK(sys::list_names(t.fd.get(), t.path) == want);  // its own descriptor: dir_fd's position is untouched
    unique_fd file(::openat(t.fd.get(), "b.json", O_RDONLY | O_CLOEXEC));
    REQUIRE(file);
    CHECK_THROWS_AS(sys::list_names(file.get(), t.path + "/b.json"), os_error);
}
