// A plugin's record of which attachments use each shared piece, on a private run directory
// (the test main sets WHARF_RUN_DIR): joins, the last leave, records DEL reads, GC's stale users.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "sys/shared_state.hpp"

using namespace wharf;
using namespace wharf::sys;

namespace {
using pieces = std::vector<std::string>;
}

TEST_CASE("the last user of a piece is the one whose leave reports it") {
    const shared_state state = shared_state::open("unit");
    const std::string a = "wharf:unit:a", b = "wharf:unit:b";
    {
        auto lock = state.lock(sys::lock_kind::shared);
        state.join(a, {"masq-10.250.0.0_24", "iso-wut0"});
        state.join(b, {"masq-10.250.0.0_24"});
    }
    CHECK(state.pieces_of(a) == pieces{"masq-10.250.0.0_24", "iso-wut0"});
    CHECK(state.uses(b, "masq-10.250.0.0_24"));
    CHECK_FALSE(state.uses(b, "iso-wut0"));
    CHECK(state.attachments() == pieces{a, b});

    auto lock = state.lock(sys::lock_kind::exclusive);
    CHECK(state.leave(a) == pieces{"iso-wut0"});  // b still masquerades the subnet
    state.forget(a);
    CHECK(state.pieces_of(a).empty());
    CHECK(state.leave(a).empty());  // DEL twice: nothing recorded, nothing to remove
    CHECK(state.leave(b) == pieces{"masq-10.250.0.0_24"});
    state.forget(b);
    CHECK(state.pieces().empty());
    CHECK(state.attachments().empty());
}

TEST_CASE("joining again adds to what an attachment uses; a failed removal can be undone by joining") {
    const shared_state state = shared_state::open("unit");
    const std::string a = "wharf:unit:again";
    state.join(a, {"masq-10.251.0.0_24"});
    state.join(a, {"masq-10.251.0.0_24", "masq-fd00:251::_64"});
    CHECK(state.pieces_of(a) == pieces{"masq-10.251.0.0_24", "masq-fd00:251::_64"});
    const auto before = state.pieces_of(a);
    CHECK(state.leave(a).size() == 2);
    state.join(a, before);  // as leave_network does when removing the pieces failed
    CHECK(state.uses(a, "masq-fd00:251::_64"));
    CHECK(state.leave(a).size() == 2);
    state.forget(a);
}

TEST_CASE("GC drops user entries of stale tags, with or without a record") {
    const shared_state state = shared_state::open("unit");
    state.join("wharf:unit:keep", {"iso-wgc0"});
    state.join("wharf:unit:stale", {"iso-wgc0"});
    auto stale = [](const std::string& tag) { return tag == "wharf:unit:stale"; };
    CHECK_FALSE(state.drop_users("iso-wgc0", stale));  // keep still uses it
    CHECK_FALSE(state.uses("wharf:unit:stale", "iso-wgc0"));
    CHECK(state.drop_users("iso-wgc0", [](const std::string&) { return true; }));
    CHECK(state.pieces().empty());
    state.forget("wharf:unit:keep");
    state.forget("wharf:unit:stale");
    CHECK(state.attachments().empty());
}

TEST_CASE("existing() finds nothing, and makes nothing, where no ADD ever recorded a piece") {
    const std::string saved = getenv("WHARF_RUN_DIR");
    char fresh[] = "/tmp/wharf-unit-run-XXXXXX";
    REQUIRE(mkdtemp(fresh) != nullptr);
    setenv("WHARF_RUN_DIR", fresh, 1);
    CHECK_FALSE(shared_state::existing("unit"));
    CHECK(rmdir(fresh) == 0);  // still empty
    REQUIRE(mkdir(fresh, 0700) == 0);
    shared_state::open("unit");
    CHECK(shared_state::existing("unit"));
    setenv("WHARF_RUN_DIR", saved.c_str(), 1);
    CHECK(std::system(("rm -rf " + std::string(fresh)).c_str()) == 0);
}
