#pragma once
// Capability arguments from the command line: CAP_ARGS (a JSON object, as cnitool reads it) merged
// with the flags people type: -p/--publish (portMappings), --ip (ips), --mac (mac), --cap KEY=JSON.
#include <nlohmann/json_fwd.hpp>

#include "cli/args.hpp"

namespace wharf::cli {

// The options below, for commands that take them.
std::vector<option_spec> capability_options();
// Throws failure(usage) for bad JSON or a bad flag value. Flags add to CAP_ARGS's lists.
nlohmann::json capability_args_from(const args& a, const char* cap_args_env);

}  // namespace wharf::cli
