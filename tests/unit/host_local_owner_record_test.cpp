// host-local's owner records as wharfd's reclaim reads them: what format_owner_record writes reads
// back the same; records of another version, or without the fields that name the attachment, are
// not read; the origin's own fields are optional, and a missing or mistyped one leaves it unknown.
#include <doctest/doctest.h>

#include "disk_store.hpp"
#include "owner_record.hpp"

using namespace wharf;
using ipam::format_owner_record;
using ipam::parse_owner_record;

TEST_CASE("an owner record reads back as written") {
    const ipam::owner_record r{.container_id = "ctr-1",
                               .ifname = "eth0",
                               .origin = {.netns = "/run/netns/wrc1",
                                          .id = {.dev = 4, .ino = 4026532178, .cookie = 18446744073709551615ULL},
                                          .boot_id = "ca34a94f-c9fe-4260-956a-a7170d606485",
                                          .added_at = 1796189603}};
    const std::string text = format_owner_record(r);
    CHECK(text.front() == '{');  // never "<id>\r\n<ifname>" nor "<id>": the reference's scans skip it
    const auto back = parse_owner_record(text);
    REQUIRE(back);
    CHECK(back->container_id == "ctr-1");
    CHECK(back->ifname == "eth0");
    CHECK(back->origin.netns == "/run/netns/wrc1");
    CHECK(back->origin.id == r.origin.id);
    CHECK(back->origin.boot_id == r.origin.boot_id);
    CHECK(back->origin.added_at == 1796189603);
}

TEST_CASE("owner records that are not read") {
    for (const char* bad : {"", "ctr-1\r\neth0", "ctr-1", "[]", "{}",
                            R"({"version":2,"containerId":"c","ifname":"eth0","netns":"/x"})",
                            R"({"version":"1","containerId":"c","ifname":"eth0","netns":"/x"})",
                            R"({"version":1,"containerId":"","ifname":"eth0","netns":"/x"})",
                            R"({"version":1,"ifname":"eth0","netns":"/x"})",
                            R"({"version":1,"containerId":"c","netns":"/x"})",
                            R"({"version":1,"containerId":"c","ifname":"eth0"})",
                            R"({"version":1,"containerId":"c","ifname":"eth0","netns":7})"})
        CHECK_MESSAGE(!parse_owner_record(bad), bad);
}

TEST_CASE("the origin's fields are optional; a mistyped one stays unknown") {
    auto bare = parse_owner_record(R"({"version":1,"containerId":"c","ifname":"eth0","netns":"/run/netns/x"})");
    REQUIRE(bare);
    CHECK_FALSE(bare->origin.id.known());
    CHECK(bare->origin.boot_id.empty());
    CHECK(bare->origin.added_at == 0);
    auto odd = parse_owner_record(R"({"version":1,"containerId":"c","ifname":"eth0","netns":"/run/netns/x",
        "netnsDev":-4,"netnsIno":1.5,"netnsCookie":"7","bootId":9,"addedAt":"now"})");
    REQUIRE(odd);
    CHECK_FALSE(odd->origin.id.known());
    CHECK(odd->origin.id.cookie == 0);
    CHECK(odd->origin.boot_id.empty());
    CHECK(odd->origin.added_at == 0);
}

TEST_CASE("the owner record's file name sits beside the index's, escaped the same way") {
    CHECK(ipam::owner_record_file_name({"ctr-1", "eth0"}) == ".wharf-own.ctr-1@eth0");
    CHECK(ipam::index_file_name({"ctr-1", "eth0"}) == ".wharf-att.ctr-1@eth0");
    CHECK(ipam::owner_record_file_name({"a/b", "eth0"}) == ".wharf-own.a%2Fb@eth0");
    CHECK(ipam::owner_record_file_name({std::string(300, 'x'), "eth0"}).starts_with(".wharf-own.h."));
}
