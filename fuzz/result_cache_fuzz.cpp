// A result cache file (libcni's cniCacheV1 format), as result_cache::load reads it: the JSON, then
// cli::cache_entry_from_json. What it accepts must survive a store and a load (to_json, then read
// again), and base64 (the cached config) must round-trip. The cached portMappings are read as
// `wharf inspect` and `wharf ps` show them (cli::port_mapping_from_json). Input: the file. Refusals:
// nullopt for the entry, cli::failure for a port mapping.
#include <cstdlib>

#include "base/base64.hpp"
#include "cli/failure.hpp"
#include "cli/port_mapping.hpp"
#include "cli/result_cache.hpp"
#include "fuzz_input.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string bytes(fuzz::text(data, size));
    if (auto e = cli::cache_entry_from_json(nlohmann::json::parse(bytes, nullptr, false))) {
        auto again = cli::cache_entry_from_json(cli::to_json(*e));
        if (!again || again->config != e->config || again->container_id != e->container_id ||
            again->cni_args != e->cni_args || again->result != e->result)
            std::abort();
        if (auto it = e->capability_args.find("portMappings"); it != e->capability_args.end() && it->is_array()) {
            for (const auto& p : *it) {
                try {
                    (void)cli::to_string(cli::port_mapping_from_json(p));
                } catch (const cli::failure&) {
                }
            }
        }
    }
    (void)base64_decode(bytes);
    if (base64_decode(base64_encode(bytes)) != bytes) std::abort();
    return 0;
}
