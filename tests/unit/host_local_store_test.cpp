// host-local's disk store on a private temp directory: the reference layout, the index, and recovery
// from what another writer or a crash leaves behind.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cni/error.hpp"
#include "disk_store.hpp"

using namespace wharf;
using namespace wharf::ipam;
namespace fs = std::filesystem;

namespace {

net::ip_address ip(const char* s) { return *net::ip_address::parse(s); }

struct temp_dir {
    std::string path;
    temp_dir() {
        char tmpl[] = "/tmp/wharf-hl-store-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string store() const { return path + "/net"; }
    std::string file(const std::string& name) const { return store() + "/" + name; }
};

std::string slurp(const std::string& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

void put(const std::string& p, const std::string& content) {
    std::ofstream f(p, std::ios::trunc);
    f << content;
}

}  // namespace

TEST_CASE("reserve writes the reference layout plus an index; release removes both") {
    temp_dir t;
    cni::attachment a{"ctr-a", "eth0"};
    {
        auto s = disk_store::open(t.path, "net");
        CHECK(s.ensure_indexed(2));        // the first use in a boot indexes the (empty) store
        CHECK_FALSE(s.ensure_indexed(2));  // once per boot
        CHECK(slurp(t.file(".wharf-boot")) == slurp("/proc/sys/kernel/random/boot_id").substr(0, 36));
        CHECK(s.held_by(a).empty());
        s.reserve(a, {}, {{ip("10.0.0.2"), 0}, {ip("fd00::2"), 1}});
        CHECK(s.held_by(a) == std::vector<net::ip_address>{ip("10.0.0.2"), ip("fd00::2")});
        CHECK(s.is_taken(ip("10.0.0.2")));
        CHECK_FALSE(s.is_taken(ip("10.0.0.3")));
        CHECK(s.last_reserved(0) == ip("10.0.0.2"));
        CHECK(s.last_reserved(1) == ip("fd00::2"));
        CHECK_FALSE(s.ensure_indexed(2));  // our own pointers carry the stamp: no scan
    }
    CHECK(slurp(t.file("10.0.0.2")) == "ctr-a\r\neth0");
    CHECK(slurp(t.file("fd00::2")) == "ctr-a\r\neth0");
    CHECK(slurp(t.file("last_reserved_ip.0")) == "10.0.0.2");
    CHECK(fs::exists(t.file("lock")));
    CHECK(fs::exists(t.file(index_file_name(a))));
    struct stat st {};
    REQUIRE(::stat(t.file("10.0.0.2").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(t.file(index_file_name(a)).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    {
        auto s = disk_store::open(t.path, "net");
        auto released = s.release(a);
        CHECK(released.size() == 2);
        CHECK(s.release(a).empty());  // a second DEL finds nothing and succeeds
    }
    CHECK_FALSE(fs::exists(t.file("10.0.0.2")));
    CHECK_FALSE(fs::exists(t.file("fd00::2")));
    CHECK_FALSE(fs::exists(t.file(index_file_name(a))));
    CHECK(fs::exists(t.file("last_reserved_ip.0")));
}

TEST_CASE("index names are distinct per attachment and never parse as addresses") {
    CHECK(index_file_name({"a.b", "c"}) != index_file_name({"a", "b.c"}));
    CHECK(index_file_name({"a", "x@y"}) != index_file_name({"a@x", "y"}));
    CHECK_FALSE(net::ip_address::parse(index_file_name({"10.0.0.1", "eth0"})));
    CHECK(index_file_name({std::string(300, 'c'), "eth0"}).size() < 255);
    CHECK(index_file_name({std::string(300, 'c'), "eth0"}) != index_file_name({std::string(300, 'c'), "eth1"}));
}

TEST_CASE("owner records: current, old ID-only and torn") {
    CHECK(parse_owner("id1\r\neth0").ifname == "eth0");
    CHECK(parse_owner("id1\r\neth0\n").container_id == "id1");
    CHECK(parse_owner("id1").legacy());
    CHECK(parse_owner("").torn());
    CHECK(owned_by(parse_owner("id1"), {"id1", "eth3"}));
    CHECK_FALSE(owned_by(parse_owner("id1\r\neth0"), {"id1", "eth1"}));
    CHECK_FALSE(owned_by(parse_owner("id2\r\neth0"), {"id1", "eth0"}));
}

TEST_CASE("reservations written by another plugin are indexed once, then released by DEL") {
    temp_dir t;
    { auto s = disk_store::open(t.path, "net"); }  // creates the directory and lock
    // What the reference writes: the file, then last_reserved_ip in place (a current mtime, no stamp).
    put(t.file("10.0.0.5"), "ref-ctr\r\neth0");
    put(t.file("10.0.0.6"), "old-ctr");  // an old version's ID-only file
    put(t.file("last_reserved_ip.0"), "10.0.0.6");
    auto s = disk_store::open(t.path, "net");
    CHECK(s.ensure_indexed(1));
    CHECK_FALSE(s.ensure_indexed(1));  // the stamp is back: no second scan
    CHECK(slurp(t.file("last_reserved_ip.0")) == "10.0.0.6");  // the pointer's value is kept
    CHECK(s.held_by({"ref-ctr", "eth0"}) == std::vector<net::ip_address>{ip("10.0.0.5")});
    CHECK(s.release({"ref-ctr", "eth0"}) == std::vector<net::ip_address>{ip("10.0.0.5")});
    CHECK(s.release({"old-ctr", "eth0"}) == std::vector<net::ip_address>{ip("10.0.0.6")});
    CHECK_FALSE(fs::exists(t.file("10.0.0.5")));
    CHECK_FALSE(fs::exists(t.file("10.0.0.6")));
}

TEST_CASE("an index from an earlier boot is not trusted: the first use in a boot rebuilds it") {
    temp_dir t;
    cni::attachment a{"ctr-a", "eth0"};
    {
        auto s = disk_store::open(t.path, "net");
        s.ensure_indexed(1);
        s.reserve(a, {}, {{ip("10.0.0.2"), 0}});
    }
    // As after a power cut that lost the (unsynced) index but kept the fsynced reservation file.
    fs::remove(t.file(index_file_name(a)));
    put(t.file(".wharf-boot"), "00000000-0000-0000-0000-000000000000");
    auto s = disk_store::open(t.path, "net");
    CHECK(s.ensure_indexed(1));
    CHECK(s.held_by(a) == std::vector<net::ip_address>{ip("10.0.0.2")});
    CHECK_FALSE(s.ensure_indexed(1));
    CHECK(s.release(a) == std::vector<net::ip_address>{ip("10.0.0.2")});
}

TEST_CASE("a stale index entry never releases another owner's address; a torn listed file is swept") {
    temp_dir t;
    auto s = disk_store::open(t.path, "net");
    cni::attachment a{"ctr-a", "eth0"};
    s.reserve(a, {}, {{ip("10.0.0.2"), 0}});
    // As if a crashed ADD had listed .3 and .4 but never written them, and .3 then went to someone else.
    put(t.file(index_file_name(a)), "ctr-a\r\neth0\r\n10.0.0.2\r\n10.0.0.3\r\n10.0.0.4");
    put(t.file("10.0.0.3"), "ctr-b\r\neth0");
    put(t.file("10.0.0.4"), "");  // torn: created, never written
    CHECK(s.held_by(a) == std::vector<net::ip_address>{ip("10.0.0.2")});
    CHECK_FALSE(fs::exists(t.file("10.0.0.4")));
    CHECK(s.release(a) == std::vector<net::ip_address>{ip("10.0.0.2")});
    CHECK(slurp(t.file("10.0.0.3")) == "ctr-b\r\neth0");
}

TEST_CASE("GC keeps valid attachments, releases the rest, sweeps leftovers, keeps bookkeeping files") {
    temp_dir t;
    {
        auto s = disk_store::open(t.path, "net");
        s.reserve({"keep", "eth0"}, {}, {{ip("10.0.0.2"), 0}});
        s.reserve({"keep", "eth1"}, {}, {{ip("10.0.0.3"), 0}});
        s.reserve({"gone", "eth0"}, {}, {{ip("10.0.0.4"), 0}});
    }
    put(t.file("10.0.0.7"), "legacy-keep");
    put(t.file("10.0.0.8"), "legacy-gone");
    put(t.file("10.0.0.9"), "");
    put(t.file(".wharf-tmp.junk.1.0"), "x");
    auto s = disk_store::open(t.path, "net");
    auto out = s.gc({{"keep", "eth0"}, {"legacy-keep", "eth0"}}, 1);
    CHECK(out.errors.empty());
    CHECK(out.released.size() == 3);  // .3 (eth1 is not valid), .4, .8
    CHECK(fs::exists(t.file("10.0.0.2")));
    CHECK_FALSE(fs::exists(t.file("10.0.0.3")));
    CHECK_FALSE(fs::exists(t.file("10.0.0.4")));
    CHECK(fs::exists(t.file("10.0.0.7")));
    CHECK_FALSE(fs::exists(t.file("10.0.0.8")));
    CHECK_FALSE(fs::exists(t.file("10.0.0.9")));
    CHECK_FALSE(fs::exists(t.file(".wharf-tmp.junk.1.0")));
    CHECK(fs::exists(t.file("lock")));
    CHECK(fs::exists(t.file("last_reserved_ip.0")));
    CHECK_FALSE(fs::exists(t.file(index_file_name({"gone", "eth0"}))));
    CHECK(fs::exists(t.file(index_file_name({"legacy-keep", ""}))));  // now indexed
    CHECK(s.release({"legacy-keep", "eth9"}) == std::vector<net::ip_address>{ip("10.0.0.7")});
}

TEST_CASE("a reservation the scan cannot read keeps its index entry, and the error is reported") {
    temp_dir t;
    cni::attachment b{"ctr-b", "eth0"};
    {
        auto s = disk_store::open(t.path, "net");
        s.reserve(b, {}, {{ip("10.0.0.9"), 0}});
    }
    // Make 10.0.0.9 unreadable (a directory in its place) and the pointer unstamped, forcing a scan.
    fs::remove(t.file("10.0.0.9"));
    fs::create_directory(t.file("10.0.0.9"));
    put(t.file("last_reserved_ip.0"), "10.0.0.9");
    auto s = disk_store::open(t.path, "net");
    try {
        s.ensure_indexed(1);
        FAIL("expected an error");
    } catch (const cni::error& e) {
        CHECK(e.number() == 5);
        CHECK(std::string(e.what()).find("10.0.0.9") != std::string::npos);
    }
    CHECK(slurp(t.file(index_file_name(b))) == "ctr-b\r\neth0\r\n10.0.0.9");
    fs::remove(t.file("10.0.0.9"));
}
