// The firewall plugin's firewalld backend, against a stand-in firewalld (tests/firewalld/standin.py,
// python3-dbus) on a private D-Bus system bus (dbus-daemon), in throwaway namespaces: the bus daemon
// checks every message Wharf sends, the stand-in answers as firewalld's zone API does and drops, in
// the "host" namespace, forwarded traffic that no trusted source lets through, as firewalld would.
// What is not tested here: a real firewalld (it would take over the machine's firewall).
#include <doctest/doctest.h>

#include <stdlib.h>

#include <string>

#include "json/json.hpp"
#include "support/firewall_world.hpp"
#include "support/firewalld_standin.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The firewalld records under this test's run directory, one path a line.
std::string records() { return run_shell(std::string("find '") + getenv("WHARF_RUN_DIR") + "' -path '*/firewalld/*' -type f 2>/dev/null"); }

json with_backend(json conf, const std::string& backend, const std::string& zone = "") {
    conf["backend"] = backend;
    if (!zone.empty()) conf["firewalldZone"] = zone;
    return conf;
}

// The firewall world with the stand-in firewalld on its bus, which the firewall plugin is pointed at.
struct firewalld_world {
    firewall_world w;
    firewalld_standin fwd{w.host};
    firewalld_world() { w.firewall_env["DBUS_SYSTEM_BUS_ADDRESS"] = fwd.address(); }
};

}  // namespace

TEST_CASE("firewalld on the system bus: detected, the addresses become trusted sources, traffic passes, DEL takes them back") {
    firewalld_world world;
    auto& [w, fwd] = world;
    const auto& net = w.network(0);

    fw_container bare = w.attach(net, "wfw-fwd-bare", false);
    CHECK_FALSE(pings(*bare.ns, w.outside_ip));  // firewalld drops what no zone lets through

    fw_container c = w.attach(net, "wfw-fwd-ctr");  // backend "": detection finds firewalld
    CHECK(contains(fwd.calls(), "addSource trusted " + c.ip + "/32"));
    CHECK(pings(*c.ns, w.outside_ip));
    CHECK_FALSE(pings(*bare.ns, w.outside_ip));
    CHECK_FALSE(contains(w.ruleset(), "wharf_firewall"));  // firewalld filters here, not Wharf's table
    CHECK_FALSE(records().empty());

    const json conf = w.firewall_conf(net, c.bridge_result);
    auto chk = w.firewall("CHECK", conf, c);
    CHECK_MESSAGE(chk.exit_code == 0, chk.out, chk.err);
    CHECK(contains(fwd.calls(), "querySource trusted " + c.ip + "/32"));

    // ADD twice: firewalld answers ZONE_ALREADY_SET, which is success.
    auto again = w.firewall("ADD", conf, c);
    CHECK_MESSAGE(again.exit_code == 0, again.out, again.err);

    // Someone takes the source out by hand: CHECK says so, and changes nothing.
    int rc = -1;
    fwd.admin_call("removeSource", "trusted", c.ip + "/32", &rc);
    REQUIRE(rc == 0);
    chk = w.firewall("CHECK", conf, c);
    CHECK(chk.exit_code != 0);
    CHECK(contains(chk.json().value("msg", ""), "lacks source " + c.ip + "/32"));
    CHECK(contains(fwd.admin_call("querySource", "trusted", c.ip + "/32"), "boolean false"));
    fwd.admin_call("addSource", "trusted", c.ip + "/32", &rc);
    REQUIRE(rc == 0);

    // DEL without prevResult: the record says what to take back.
    json del_conf = conf;
    del_conf.erase("prevResult");
    auto del = w.firewall("DEL", del_conf, c);
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    CHECK(contains(fwd.calls(), "removeSource trusted " + c.ip + "/32"));
    CHECK(contains(fwd.admin_call("querySource", "trusted", c.ip + "/32"), "boolean false"));
    CHECK_FALSE(pings(*c.ns, w.outside_ip));
    CHECK(records().empty());
    del = w.firewall("DEL", del_conf, c);  // twice
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);

    CHECK(w.bridge("DEL", w.bridge_conf(net), c).exit_code == 0);
    CHECK(w.bridge("DEL", w.bridge_conf(net), bare).exit_code == 0);
}

TEST_CASE("a zone firewalld refuses fails the ADD with firewalld's own error, and leaves nothing") {
    firewalld_world world;
    auto& [w, fwd] = world;
    const auto& net = w.network(1);
    fw_container c = w.attach(net, "wfw-fwd-zone", false);
    auto add = w.firewall("ADD", with_backend(w.firewall_conf(net, c.bridge_result), "firewalld", "nosuchzone"), c);
    CHECK(add.exit_code != 0);
    const json err = add.json();
    CHECK(err.value("code", 0) == 999);
    CHECK(contains(err.value("msg", ""), "INVALID_ZONE"));
    CHECK(contains(err.value("details", ""), "org.fedoraproject.FirewallD1.Exception"));
    CHECK(records().empty());
    CHECK(w.bridge("DEL", w.bridge_conf(net), c).exit_code == 0);
}

TEST_CASE("firewalld stopped: DEL still succeeds; backend firewalld is code 11 and STATUS 50; backend \"\" falls back") {
    firewalld_world world;
    auto& [w, fwd] = world;
    const auto& net = w.network(2);
    fw_container c = w.attach(net, "wfw-fwd-stop");
    CHECK(contains(fwd.calls(), "addSource trusted " + c.ip + "/32"));
    const json explicit_conf = with_backend(w.firewall_conf(net, c.bridge_result), "firewalld");
    auto status = w.firewall("STATUS", explicit_conf, c);
    CHECK_MESSAGE(status.exit_code == 0, status.out, status.err);

    fwd.stop_firewalld();  // its runtime sources go with it
    auto del = w.firewall("DEL", w.firewall_conf(net, c.bridge_result), c);
    CHECK_MESSAGE(del.exit_code == 0, del.out, del.err);
    CHECK(records().empty());

    auto add = w.firewall("ADD", explicit_conf, c);
    CHECK(add.exit_code != 0);
    CHECK(add.json().value("code", 0) == 11);
    CHECK(records().empty());
    status = w.firewall("STATUS", explicit_conf, c);
    CHECK(status.exit_code != 0);
    CHECK(status.json().value("code", 0) == 50);

    // Backend "" without firewalld: the host's forwarding filter, in Wharf's own table.
    add = w.firewall("ADD", w.firewall_conf(net, c.bridge_result), c);
    CHECK_MESSAGE(add.exit_code == 0, add.out, add.err);
    CHECK(contains(w.ruleset(), "wharf_firewall"));
    CHECK(records().empty());
    w.detach(c);
    CHECK_FALSE(contains(w.ruleset(), "wharf:"));
}
