// host-local's "resolvConf" file: ipam::parse_resolv_conf_text, which read_resolv_conf runs on the
// file's bytes. Input: the file. It refuses nothing: every line it does not know is skipped.
#include "fuzz_input.hpp"
#include "resolv_conf.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto dns = ipam::parse_resolv_conf_text(fuzz::text(data, size));
    (void)dns.empty();
    return 0;
}
