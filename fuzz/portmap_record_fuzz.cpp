// portmap's attachment records as the disk may hold them (a crash, another version, a person): the
// bytes are written as one record file in a private run directory, then read as the repair reads
// them: portmap::load_record, and portmap::recorded_conf on what it accepts. An accepted record must
// survive save_record and a second load unchanged. Expected refusal: cni::error (recorded_conf).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cni/error.hpp"
#include "fuzz_input.hpp"
#include "record.hpp"
#include "sys/shared_state.hpp"

using namespace wharf;

namespace {

const std::string tag = "fuzz-tag";

// A private run directory for the whole run (WHARF_RUN_DIR), removed at exit.
struct private_run_dir {
    std::string path = "/tmp/wharf-fuzz-record.XXXXXX";
    private_run_dir() {
        if (!::mkdtemp(path.data())) std::abort();
        ::setenv("WHARF_RUN_DIR", path.c_str(), 1);
    }
    ~private_run_dir() { std::filesystem::remove_all(path); }
};

const sys::shared_state& state() {
    static const private_run_dir dir;
    static const sys::shared_state s = sys::shared_state::open(portmap::state_owner);
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& st = state();
    std::filesystem::create_directories(st.path() + "/published");
    std::ofstream(st.path() + "/published/" + tag, std::ios::binary | std::ios::trunc) << fuzz::text(data, size);
    const auto record = portmap::load_record(st, tag);
    if (!record) return 0;
    portmap::save_record(st, tag, *record);
    const auto again = portmap::load_record(st, tag);
    if (!again || again->container_id != record->container_id || again->ifname != record->ifname ||
        again->netns != record->netns || again->config != record->config)
        std::abort();
    try {
        (void)portmap::recorded_conf(*record);
    } catch (const cni::error&) {
    }
    return 0;
}
