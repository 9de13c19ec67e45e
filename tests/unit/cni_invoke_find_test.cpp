// cni::find_in_path, the one plugin finder, on real files.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "cni/invoke_find.hpp"
#include "support/script_dir.hpp"

using namespace wharf;
namespace fs = std::filesystem;

TEST_CASE("plugin names are file names") {
    for (const char* good : {"bridge", "host-local", "a.b", "..x", "x.."}) CHECK(cni::is_plugin_name(good));
    for (const char* bad : {"", ".", "..", "a/b", "/bridge", "../bridge", "bridge/"}) CHECK_FALSE(cni::is_plugin_name(bad));
}

TEST_CASE("the first directory holding an executable regular file of that name wins") {
    test::script_dir d;
    for (const char* sub : {"none", "not-executable", "directory", "first", "second"}) fs::create_directories(d.path() + "/" + sub);
    d.add("not-executable/p", "exit 0\n", 0644);
    fs::create_directories(d.path() + "/directory/p");
    const std::string first = d.add("first/p", "exit 0\n");
    d.add("second/p", "exit 0\n");
    auto dir = [&](const char* sub) { return d.path() + "/" + sub; };

    CHECK(cni::find_in_path("p", {dir("none"), dir("not-executable"), dir("directory"), dir("first"), dir("second")}) == first);
    CHECK(cni::find_in_path("p", {dir("second"), dir("first")}) == d.path() + "/second/p");
    CHECK(cni::find_in_path("p", {dir("none"), dir("not-executable"), dir("directory")}) == std::nullopt);
    CHECK(cni::find_in_path("p", {d.path() + "/does-not-exist"}) == std::nullopt);
    CHECK(cni::find_in_path("p", {}) == std::nullopt);
}

TEST_CASE("a symlink to a plugin is found (as stat sees it); a name that is not a plugin name never is") {
    test::script_dir d;
    fs::create_directories(d.path() + "/bin");
    const std::string target = d.add("real-plugin", "exit 0\n");
    fs::create_symlink(target, d.path() + "/bin/linked");
    CHECK(cni::find_in_path("linked", {d.path() + "/bin"}) == d.path() + "/bin/linked");

    // "../real-plugin" from bin/ exists and is executable, but a type is a name, not a path.
    REQUIRE(::access((d.path() + "/bin/../real-plugin").c_str(), X_OK) == 0);
    CHECK(cni::find_in_path("../real-plugin", {d.path() + "/bin"}) == std::nullopt);
    CHECK(cni::find_in_path("", {d.path()}) == std::nullopt);
}
