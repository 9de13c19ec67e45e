#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "base/os_error.hpp"
#include "base/undo_stack.hpp"

using wharf::os_error;

TEST_CASE("os_error reads operation, strerror, then the kernel's words") {
    os_error e(EEXIST, "create veth \"v1\"", "File exists somewhere");
    CHECK(std::string(e.what()) == "create veth \"v1\": File exists (kernel: \"File exists somewhere\")");
    CHECK(e.code_value() == EEXIST);
    CHECK(e.detail() == "File exists somewhere");
    CHECK(std::string(os_error(ENOENT, "open /x").what()) == "open /x: No such file or directory");
}

TEST_CASE("undo_stack runs compensations newest first unless dismissed, and survives a throwing one") {
    std::string order;
    {
        wharf::undo_stack undo;
        undo.push("a", [&] { order += "a"; });
        undo.push("b", [&] { throw std::runtime_error("boom"); });
        undo.push("c", [&] { order += "c"; });
    }
    CHECK(order == "ca");
    order.clear();
    {
        wharf::undo_stack undo;
        undo.push("a", [&] { order += "a"; });
        undo.dismiss();
    }
    CHECK(order.empty());
}
