// `-p` specs as `docker run -p` writes them: cli::parse_port_mappings. Each mapping it returns must
// be one the portMappings JSON carries unchanged (to_json, port_mapping_from_json).
// Input: the spec. Expected refusal: cli::failure.
#include <cstdlib>

#include "cli/failure.hpp"
#include "cli/port_mapping.hpp"
#include "fuzz_input.hpp"
#include "json/json.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        for (const auto& m : cli::parse_port_mappings(std::string(fuzz::text(data, size)))) {
            if (cli::port_mapping_from_json(cli::to_json(m)) != m) std::abort();
            (void)cli::to_string(m);
        }
    } catch (const cli::failure&) {
    }
    return 0;
}
