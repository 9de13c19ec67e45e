// host-local killed (SIGKILL) at each step of ADD, DEL and GC, then DEL, ADD and GC run by the real
// plugin. The kill points are deterministic: the test build host-local-testhooks dies at the step named
// by WHARF_TEST_KILL_AT; the installed host-local ignores that variable.
#include "host_local_fixture.hpp"

using namespace wharf::test;
using namespace wharf::test::hl;
using nlohmann::json;

namespace {

json dual_stack() { return json::parse(R"([[{"subnet": "10.46.0.0/24"}], [{"subnet": "fd46::/64"}]])"); }
constexpr int killed = 128 + 9;

run_result run_killed_at(const store_fixture& f, const std::string& step, const std::string& command,
                         const std::string& container, const json& extra = json::object()) {
    cni_call c = f.call(command, container);
    c.extra_env["WHARF_TEST_KILL_AT"] = step;
    return run_plugin(plugin_path("host-local-testhooks"), c, f.conf_json(extra).dump());
}

bool no_temp_files(const store_fixture& f) {
    for (const auto& n : f.hidden())
        if (n.starts_with(".wharf-tmp.")) return false;
    return true;
}

}  // namespace

TEST_CASE("only the test build honours the kill variable") {
    store_fixture f(dual_stack());
    cni_call c = f.call("ADD", "ctr");
    c.extra_env["WHARF_TEST_KILL_AT"] = "add:index-written";
    auto r = run_plugin(plugin_path("host-local"), c, f.conf_json().dump());
    CHECK(r.exit_code == 0);
    CHECK(f.reserved().size() == 2);
}

TEST_CASE("ADD killed at each step: DEL then leaves nothing; a retried ADD completes; GC cleans up") {
    for (const std::string step : {"add:index-written", "add:address-claimed", "add:done"}) {
        CAPTURE(step);
        {
            store_fixture f(dual_stack());
            auto r = run_killed_at(f, step, "ADD", "ctr-k");
            CHECK(r.exit_code == killed);
            CHECK(r.out.empty());
            if (step == "add:done") CHECK(f.reserved() == std::vector<std::string>{"10.46.0.2", "fd46::2"});
            if (step == "add:address-claimed") CHECK(f.reserved() == std::vector<std::string>{"10.46.0.2"});
            if (step == "add:index-written") CHECK(f.reserved().empty());
            auto del = f.run("DEL", "ctr-k");
            CHECK(del.exit_code == 0);
            CHECK(f.reserved().empty());
            CHECK(f.hidden().empty());
            CHECK(f.owner_records().empty());
        }
        {
            store_fixture f(dual_stack());
            REQUIRE(run_killed_at(f, step, "ADD", "ctr-k").exit_code == killed);
            const auto partial = f.reserved();
            auto retry = f.run("ADD", "ctr-k");
            REQUIRE(retry.exit_code == 0);
            const auto got = addresses(retry);
            REQUIRE(got.size() == 2);
            for (const auto& a : partial) CHECK(std::find(got.begin(), got.end(), a) != got.end());  // kept, not leaked
            CHECK(f.reserved().size() == 2);
            for (const auto& a : got) CHECK(f.content(a) == "ctr-k\r\neth0");
            CHECK(f.run("CHECK", "ctr-k", "eth0", {{"prevResult", retry.json()}}).exit_code == 0);
        }
        {
            store_fixture f(dual_stack());
            REQUIRE(run_killed_at(f, step, "ADD", "ctr-k").exit_code == killed);
            auto gc = f.run("GC", "", "", {{"cni.dev/valid-attachments", json::array()}});
            CHECK(gc.exit_code == 0);
            CHECK(f.reserved().empty());
            CHECK(f.hidden().empty());
            CHECK(f.owner_records().empty());
            CHECK(f.exists("lock"));
        }
    }
}

TEST_CASE("a stale intent left by a killed ADD never releases the address's next owner") {
    store_fixture f(dual_stack());
    REQUIRE(run_killed_at(f, "add:index-written", "ADD", "ctr-k").exit_code == killed);
    auto other = f.run("ADD", "ctr-other");
    REQUIRE(other.exit_code == 0);
    CHECK(addresses(other) == std::vector<std::string>{"10.46.0.2", "fd46::2"});  // the address ctr-k's intent named
    CHECK(f.run("DEL", "ctr-k").exit_code == 0);
    CHECK(f.content("10.46.0.2") == "ctr-other\r\neth0");
    CHECK(f.content("fd46::2") == "ctr-other\r\neth0");
}

TEST_CASE("DEL killed after removing the addresses: the next DEL finishes, ADD and GC are unaffected") {
    store_fixture f(dual_stack());
    REQUIRE(f.run("ADD", "ctr-k").exit_code == 0);
    REQUIRE(f.run("ADD", "ctr-2").exit_code == 0);
    auto r = run_killed_at(f, "del:addresses-removed", "DEL", "ctr-k");
    CHECK(r.exit_code == killed);
    CHECK(f.reserved() == std::vector<std::string>{"10.46.0.3", "fd46::3"});
    CHECK(f.hidden().size() == 2);  // ctr-k's index survives the kill
    CHECK(f.owner_records().size() == 2);  // and its owner record
    CHECK(f.run("DEL", "ctr-k").exit_code == 0);
    CHECK(f.hidden().size() == 1);
    CHECK(f.owner_records() == std::vector<std::string>{".wharf-own.ctr-2@eth0"});
    // And after another killed DEL, an ADD of the same attachment starts afresh.
    REQUIRE(run_killed_at(f, "del:addresses-removed", "DEL", "ctr-2").exit_code == killed);
    auto again = f.run("ADD", "ctr-2");
    CHECK(again.exit_code == 0);
    CHECK(addresses(again).size() == 2);
    CHECK(f.reserved().size() == 2);
    CHECK(no_temp_files(f));
}

TEST_CASE("GC killed after releasing: the next GC finishes; DEL of a released attachment succeeds") {
    store_fixture f(dual_stack());
    REQUIRE(f.run("ADD", "a").exit_code == 0);
    REQUIRE(f.run("ADD", "b").exit_code == 0);
    json valid = json::array({{{"containerID", "b"}, {"ifname", "eth0"}}});
    auto r = run_killed_at(f, "gc:released", "GC", "", {{"cni.dev/valid-attachments", valid}});
    CHECK(r.exit_code == killed);
    CHECK(f.reserved() == std::vector<std::string>{"10.46.0.3", "fd46::3"});
    CHECK(f.run("DEL", "a").exit_code == 0);
    CHECK(f.run("GC", "", "", {{"cni.dev/valid-attachments", valid}}).exit_code == 0);
    CHECK(f.hidden().size() == 1);
    CHECK(f.owner_records() == std::vector<std::string>{".wharf-own.b@eth0"});
    CHECK(f.run("DEL", "b").exit_code == 0);
    CHECK(f.reserved().empty());
    CHECK(f.hidden().empty());
}
