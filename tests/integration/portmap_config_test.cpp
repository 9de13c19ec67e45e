// portmap configuration through the binary: must be chained, bad input codes, conditions on real
// traffic, snat false, an older spec version, and concurrent ADDs racing for one host port.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "json/json.hpp"
#include "support/portmap_world.hpp"

using namespace wharf::test;
using nlohmann::json;

namespace {

json mapping(unsigned host, unsigned container, const std::string& proto = "tcp") {
    return {{"hostPort", host}, {"containerPort", container}, {"protocol", proto}};
}

}  // namespace

TEST_CASE("without prevResult ADD fails saying it must be chained; bad input gets its code") {
    portmap_world pw;
    const auto& c = pw.w.container("wpc");
    auto r = pw.portmap("ADD", pw.portmap_conf("pmbad", json::array({mapping(8080, 80)})), c.path(), "x");
    CHECK(r.exit_code != 0);
    CHECK(r.json()["code"] == 7);
    CHECK(r.json()["msg"].get<std::string>().find("chained") != std::string::npos);
    CHECK(r.out.find("\n") == r.out.size() - 1);  // one JSON object, nothing else on stdout

    attachment a = pw.attach(pw.bridge_conf("pmbad"), "ctr-bad");
    json cond = pw.portmap_conf("pmbad", json::array({mapping(8080, 80)}), a.bridge_result);
    cond["conditionsV4"] = json::array({"-s", "192.0.2.0/24"});
    auto two = pw.portmap("ADD", cond, a);
    CHECK(two.json()["code"] == 2);
    CHECK(two.json()["msg"].get<std::string>().find("-s 192.0.2.0/24") != std::string::npos);
    json proto = pw.portmap_conf("pmbad", json::array({mapping(8080, 80, "icmp")}), a.bridge_result);
    CHECK(pw.portmap("ADD", proto, a).json()["code"] == 7);
    json dup = pw.portmap_conf("pmbad", json::array({mapping(8080, 80), mapping(8080, 81)}), a.bridge_result);
    auto d = pw.portmap("ADD", dup, a);
    CHECK(d.json()["code"] == 7);
    CHECK(d.json()["msg"].get<std::string>().find("twice") != std::string::npos);
    CHECK(pw.table().empty());  // nothing was made by the refused ADDs
}

TEST_CASE("conditionsV4 restrict who reaches the published ports") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    attachment a = pw.attach(pw.bridge_conf("pmcond"), "ctr-cond");
    json conf = pw.portmap_conf("pmcond", json::array({mapping(8080, 80)}), a.bridge_result);
    conf["conditionsV4"] = json::array({"ip saddr != " + out.outside_ip});
    auto r = pw.portmap("ADD", conf, a);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
    pw.listen(*a.ns, 80, "cond");
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080).empty());
    CHECK(pw.tcp(nullptr, out.host_ip, 8080) == "cond");
    CHECK(pw.table().find("ip saddr != " + out.outside_ip) != std::string::npos);
}

TEST_CASE("snat false publishes without hairpin masquerade; masqAll masquerades every connection") {
    portmap_world pw;
    const auto& out = pw.w.outside();
    json br = pw.bridge_conf("pmsnat");
    attachment a = pw.attach(br, "ctr-nosnat");
    json conf = pw.portmap_conf("pmsnat", json::array({mapping(8080, 80)}), a.bridge_result);
    conf["snat"] = false;
    REQUIRE(pw.portmap("ADD", conf, a).exit_code == 0);
    CHECK(pw.elements("hairpin4").empty());
    pw.listen(*a.ns, 80, "nosnat");
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 8080) == "nosnat");
    CHECK(pw.portmap("CHECK", conf, a).exit_code == 0);

    attachment b = pw.attach(br, "ctr-masqall");
    json all = pw.portmap_conf("pmsnat", json::array({mapping(9090, 90)}), b.bridge_result);
    all["masqAll"] = true;
    REQUIRE(pw.portmap("ADD", all, b).exit_code == 0);
    auto hairpin = pw.elements("hairpin4");
    REQUIRE(hairpin.size() == 1);
    CHECK(hairpin[0] == b.ip4 + " : {\"goto\":{\"target\":\"masq_all\"}}");
    pw.listen(*b.ns, 90, "masqall");
    CHECK(pw.tcp(out.ns.get(), out.host_ip, 9090) == "masqall");
}

TEST_CASE("a conflist at cniVersion 0.3.1 works and the prevResult comes back in its shape") {
    portmap_world pw;
    json br = pw.bridge_conf("pmold");
    br["cniVersion"] = "0.3.1";
    attachment a = pw.attach(br, "ctr-old");
    json conf = pw.portmap_conf("pmold", json::array({mapping(8080, 80)}), a.bridge_result);
    conf["cniVersion"] = "0.3.1";
    auto r = pw.portmap("ADD", conf, a);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out, r.err);
    CHECK(r.json()["cniVersion"] == "0.3.1");
    CHECK(r.json()["ips"] == a.bridge_result["ips"]);
}

TEST_CASE("ten containers racing for one host port: exactly one wins, the others are refused naming it") {
    portmap_world pw;
    json br = pw.bridge_conf("pmrace");
    std::vector<attachment> all;
    for (int i = 0; i < 10; ++i) all.push_back(pw.attach(br, "racer-" + std::to_string(i)));
    std::vector<run_result> results(all.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < all.size(); ++i) {
        threads.emplace_back([&, i] {
            results[i] = pw.portmap("ADD", pw.portmap_conf("pmrace", json::array({mapping(8080, 80), mapping(7000 + i, 80)}),
                                                           all[i].bridge_result),
                                    all[i]);
        });
    }
    for (auto& t : threads) t.join();
    int won = 0;
    std::string winner;
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (results[i].exit_code == 0) {
            ++won;
            winner = all[i].id;
        }
    }
    REQUIRE(won == 1);
    for (const auto& r : results) {
        if (r.exit_code == 0) continue;
        CHECK(r.json()["code"] == 100);
        CHECK(r.json()["msg"].get<std::string>().find(winner) != std::string::npos);
    }
    CHECK(pw.elements("ports4").size() == 2);
}
