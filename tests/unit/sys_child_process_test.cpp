// sys::child_process (vfork + execve, the pipes, the wait) with real child processes.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/os_error.hpp"
#include "support/script_dir.hpp"
#include "sys/child_process.hpp"

using namespace wharf;

TEST_CASE("the child gets exactly the environment given, stdin on a pipe, and its exit status comes back") {
    test::script_dir d;
    auto s = d.add("s", "read line\necho \"$line $WHARF_CHILD_TEST ${HOME:-unset}\"\nexit 7\n");
    auto child = sys::child_process::spawn(s, {"WHARF_CHILD_TEST=there", "PATH=/usr/bin:/bin"}, "hello\n");
    CHECK(child.collect().out == "hello there unset\n");
    CHECK(child.wait() == 7);
    CHECK(child.wait() == 7);  // the status is kept once the child is reaped
}

TEST_CASE("an exec that fails is an os_error with the exec's errno, and leaves no child behind") {
    auto code_of = [](const std::string& binary) {
        try {
            sys::child_process::spawn(binary, {}, "");
        } catch (const os_error& e) {
            CHECK(std::string(e.what()).find(binary) != std::string::npos);
            return e.code_value();
        }
        return 0;
    };
    CHECK(code_of("/nonexistent/wharf-plugin") == ENOENT);
    test::script_dir d;
    CHECK(code_of(d.add("not-executable", "exit 0\n", 0644)) == EACCES);
    CHECK(test::no_child_left());
}

TEST_CASE("more input and output than a pipe holds, both ways at once, and stderr captured apart") {
    test::script_dir d;
    auto s = d.add("s", "cat\necho done >&2\n");
    std::string big(1 << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i / 4096 % 26);
    auto child = sys::child_process::spawn(s, {"PATH=/usr/bin:/bin"}, big, {.capture_stderr = true});
    auto o = child.collect();
    CHECK(o.out == big);
    CHECK(o.err == "done\n");
    CHECK(child.wait() == 0);
}

TEST_CASE("a child that stops reading its stdin early: the rest is dropped, nothing blocks") {
    struct sigaction ignore {}, old {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old);  // as every caller runs (a plugin's main, the wharf runtime)
    test::script_dir d;
    // Reads a little, closes its stdin, then prints its set of ignored signals (hex).
    auto s = d.add("s", "head -c 10 >/dev/null\nexec 0<&-\nsed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status\n");
    auto child = sys::child_process::spawn(s, {"PATH=/usr/bin:/bin"}, std::string(1 << 20, 'y'));
    const std::string ignored = child.collect().out;
    CHECK(child.wait() == 0);
    ::sigaction(SIGPIPE, &old, nullptr);
    REQUIRE_FALSE(ignored.empty());
    // Our ignored SIGPIPE is not passed on: the child has the default.
    CHECK((std::stoull(ignored, nullptr, 16) & (1ULL << (SIGPIPE - 1))) == 0);
}

TEST_CASE("a killed child's status is 128 + the signal; its own process group when asked") {
    test::script_dir d;
    auto s = d.add("s", "kill -9 $$\n");
    auto child = sys::child_process::spawn(s, {"PATH=/usr/bin:/bin"}, "", {.own_process_group = true});
    CHECK(::getpgid(child.pid()) == child.pid());
    CHECK(child.collect().out.empty());
    CHECK(child.wait() == 128 + SIGKILL);
}

TEST_CASE("a child never collected nor waited for is reaped when its owner goes; a moved-from owner waits for none") {
    test::script_dir d;
    auto s = d.add("s", "cat >/dev/null\necho late\n");
    {
        auto child = sys::child_process::spawn(s, {"PATH=/usr/bin:/bin"}, std::string(1 << 18, 'z'));
        auto moved = std::move(child);
        CHECK(moved.pid() > 0);
        CHECK(child.pid() == -1);
    }
    CHECK(test::no_child_left());
}
