// The tuning plugin's records: the reference's format read and written, Wharf's additions, merging,
// and the store's durable files in a temporary directory.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "cni/error.hpp"
#include "json/json.hpp"
#include "record.hpp"
#include "support/temp_dir.hpp"

using namespace wharf;
using namespace wharf::tuning;

namespace {

record full() {
    record r;
    r.mac = net::mac::parse("96:53:06:a5:fa:40");
    r.promisc = false;
    r.mtu = 1500;
    r.allmulti = true;
    r.txqlen = 1000;
    r.sysctls = {{"net/ipv4/conf/eth0/arp_notify", "0"}};
    r.network = "podman";
    r.container_id = "c1";
    r.ifname = "eth0";
    return r;
}

}  // namespace

TEST_CASE("the file name and the reference's keys; Wharf's keys round-trip") {
    CHECK(record_name("abc_def", "eth0") == "abc_def_eth0.json");
    const record r = full();
    const auto j = nlohmann::json::parse(record_to_text(r));
    CHECK(j["mac"] == "96:53:06:a5:fa:40");
    CHECK(j["promisc"] == false);
    CHECK(j["mtu"] == 1500);
    CHECK(j["allmulti"] == true);
    CHECK(j["txQLen"] == 1000);
    CHECK(j["sysctl"]["net/ipv4/conf/eth0/arp_notify"] == "0");
    CHECK(record_from_text(record_to_text(r), "x") == r);
    CHECK(record_to_text(record{}) == "{}");
}

TEST_CASE("a record the reference wrote (MarshalIndent, no Wharf keys) is read; its MTU 0 means none") {
    const record r = record_from_text("{\n \"mac\": \"0a:58:0a:f4:00:05\",\n \"promisc\": false,\n \"txQLen\": 0\n}", "x");
    CHECK(r.mac == net::mac::parse("0a:58:0a:f4:00:05"));
    CHECK(r.promisc == false);
    CHECK_FALSE(r.mtu);
    CHECK(r.txqlen == 0u);
    CHECK(r.network.empty());
    CHECK_FALSE(record_from_text(R"({"mtu":0})", "x").mtu);
}

TEST_CASE("a file that is not a record is code 6 naming it") {
    for (const char* bad : {"", "[]", R"({"mtu":"1500"})", R"({"mac":"nope"})", R"({"promisc":1})", R"({"sysctl":[]})",
                            R"({"sysctl":{"kernel/hostname":"x"}})", R"({"sysctl":{"net/../kernel/x":"1"}})"}) {
        INFO(bad);
        try {
            record_from_text(bad, "/d/c_eth0.json");
            FAIL("accepted");
        } catch (const cni::error& e) {
            CHECK(e.err_code() == cni::code::decoding_failure);
            CHECK(std::string(e.what()).find("/d/c_eth0.json") != std::string::npos);
        }
    }
}

TEST_CASE("merge: what the older record saved wins, the newer adds what it lacks") {
    record older;
    older.mtu = 1500;
    older.sysctls = {{"net/a", "0"}};
    record newer;
    newer.mtu = 1400;
    newer.mac = net::mac::parse("02:00:00:00:00:01");
    newer.sysctls = {{"net/a", "1"}, {"net/b", "5"}};
    const record m = merge_records(older, newer);
    CHECK(m.mtu == 1500u);
    CHECK(m.mac == newer.mac);
    CHECK(m.sysctls == std::vector<std::pair<std::string, std::string>>{{"net/a", "0"}, {"net/b", "5"}});
}

TEST_CASE("the store: made on demand (0700), saved whole, listed without temp files, removed once") {
    test::temp_dir t("wtun-record");
    const std::string dir = t.path() + "/run/cni/tuning";
    CHECK_FALSE(record_store::open_existing(dir));
    const auto store = record_store::open(dir);
    struct stat st{};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK_FALSE(store.load("c1_eth0.json"));
    store.save("c1_eth0.json", full());
    store.save("c2_net1.json", record{});
    CHECK(store.load("c1_eth0.json") == full());
    std::filesystem::create_directory(dir + "/not-a-record");
    { std::FILE* f = std::fopen((dir + "/.wharf-tmp.c3_eth0.json").c_str(), "w"); REQUIRE(f); std::fclose(f); }
    CHECK(store.names() == std::vector<std::string>{"c1_eth0.json", "c2_net1.json"});
    CHECK(record_store::open_existing(dir)->names().size() == 2);
    CHECK(store.remove("c1_eth0.json"));
    CHECK_FALSE(store.remove("c1_eth0.json"));
    CHECK_FALSE(store.load("c1_eth0.json"));
}
