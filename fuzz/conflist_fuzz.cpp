// A network configuration file as `wharf` finds it in the configuration directory: the same bytes read
// as a .conflist (cli::parse_conflist) and as a single-plugin .conf (cli::parse_single_conf), then
// what `wharf` reads from a parsed list (each plugin's type and capabilities, the bridge).
// The file name is empty, so a conflist without "plugins" reads no directory. Input: the file.
// Expected refusal: cli::failure.
#include "cli/conf_loader.hpp"
#include "cli/failure.hpp"
#include "fuzz_input.hpp"

using namespace wharf;

namespace {

void use(const cli::network_list& list) {
    for (const auto& p : list.plugins) {
        (void)cli::plugin_type(p);
        (void)cli::plugin_capabilities(p);
    }
    (void)cli::bridge_of(list);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string bytes(fuzz::text(data, size));
    try {
        use(cli::parse_conflist(bytes, ""));
    } catch (const cli::failure&) {
    }
    try {
        use(cli::parse_single_conf(bytes, "fuzz.conf"));
    } catch (const cli::failure&) {
    }
    return 0;
}
