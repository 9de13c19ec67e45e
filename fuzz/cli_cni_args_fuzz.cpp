// CNI_ARGS as a person gives it to `wharf` (cnitool's rules): cli::parse_cni_args. What it accepts must
// join back to the same text (the plugins receive the joined form). Input: the value.
// Expected refusal: cli::failure.
#include <cstdlib>

#include "cli/failure.hpp"
#include "cli/plugin_exec.hpp"
#include "fuzz_input.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(fuzz::text(data, size));
    try {
        auto pairs = cli::parse_cni_args(text);
        if (cli::join_cni_args(pairs) != text) std::abort();
    } catch (const cli::failure&) {
    }
    return 0;
}
