// Capability arguments from `wharf`'s command line: cli::parse_args with the capability options
// (-p, --ip, --mac, --cap), then cli::capability_args_from with CAP_ARGS. Input: CAP_ARGS on the first
// line, then one argument per line. Expected refusal: cli::failure.
#include "cli/capability_args.hpp"
#include "cli/failure.hpp"
#include "fuzz_input.hpp"
#include "json/json.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto argv = fuzz::lines(fuzz::text(data, size));
    if (argv.empty()) return 0;
    std::string cap_args = argv.front();
    argv.erase(argv.begin());
    try {
        auto a = cli::parse_args(argv, cli::capability_options());
        auto caps = cli::capability_args_from(a, cap_args.c_str());
        (void)caps.dump();
    } catch (const cli::failure&) {
    }
    return 0;
}
