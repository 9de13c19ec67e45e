// host-local's store files as another writer (the reference plugin, an older Wharf, a crash, a person)
// may have left them: written into a private store directory, then read by every disk_store operation
// an ADD, DEL and GC run (index check and rebuild, lookups, a reservation, a release, a GC).
// Input: sections "== <file name>\n<content>", each a file of the store (e.g. "== 10.1.2.3",
// "== last_reserved_ip.0", "== .wharf-att.ctr1@eth0", "== .wharf-boot"). Expected refusal: cni::error.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cni/error.hpp"
#include "disk_store.hpp"
#include "fuzz_input.hpp"

using namespace wharf;

namespace {

const std::string network = "fuzznet";

// A private directory (on tmpfs when there is one: the store fsyncs), removed at exit.
struct private_dir {
    std::string path;
    private_dir() {
        path = std::filesystem::exists("/dev/shm") ? "/dev/shm/wharf-fuzz-store.XXXXXX" : "/tmp/wharf-fuzz-store.XXXXXX";
        if (!::mkdtemp(path.data())) std::abort();
    }
    ~private_dir() { std::filesystem::remove_all(path); }
};

const std::string& data_dir() {
    static const private_dir dir;
    return dir.path;
}

bool usable_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.size() < 250 &&
           name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

void write_store(std::string_view in, const std::string& dir) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    while (in.substr(0, 3) == "== ") {
        in.remove_prefix(3);
        auto nl = in.find('\n');
        std::string name(in.substr(0, nl));
        in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
        auto next = in.find("\n== ");
        std::string_view content = in.substr(0, next);
        in = next == std::string_view::npos ? std::string_view() : in.substr(next + 1);
        if (!usable_name(name)) continue;
        std::ofstream(dir + "/" + name, std::ios::binary | std::ios::trunc) << content;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string dir = data_dir() + "/" + network;
    write_store(fuzz::text(data, size), dir);
    const cni::attachment ours{"ctr1", "eth0"}, other{"ctr2", "eth1"};
    try {
        auto store = ipam::disk_store::open(data_dir(), network);
        store.ensure_indexed(2);
        auto held = store.held_by(ours);
        for (const char* ip : {"10.1.2.3", "10.1.2.4", "fd00::5"}) {
            auto a = *net::ip_address::parse(ip);
            (void)store.owner_of(a);
            (void)store.is_taken(a);
        }
        (void)store.last_reserved(0);
        (void)store.last_reserved(1);
        auto fresh = *net::ip_address::parse("10.1.2.200");
        if (!store.is_taken(fresh)) store.reserve(ours, held, {{fresh, 0}});
        store.release(ours);
        store.gc({other}, 2);
    } catch (const cni::error&) {
    }
    return 0;
}
