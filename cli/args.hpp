#pragma once
// A small command-line parser: each command declares its options; the parser returns the positional
// arguments, the options given, and everything after `--` (a command to run).
//
//   args a = parse_args(argv_tail, {{"-p", "--publish", takes_value, "HOST:CTR[/PROTO]", "publish a port"}});
//   for (auto& p : a.values("--publish")) ...
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace wharf::cli {

struct option_spec {
    std::string short_name;  // "-p", or empty
    std::string long_name;   // "--publish": the key values are stored under
    bool takes_value = false;
    std::string value_name;  // for help: "HOST:CTR[/PROTO]"
    std::string help;
};

struct args {
    std::vector<std::string> positional;
    std::map<std::string, std::vector<std::string>> options;  // by long name; flags store ""
    std::vector<std::string> command;                         // after `--`
    bool help = false;                                        // -h / --help

    bool has(const std::string& long_name) const { return options.count(long_name) > 0; }
    std::optional<std::string> value(const std::string& long_name) const;  // the last one given
    std::vector<std::string> values(const std::string& long_name) const;
};

// Throws failure(usage) naming an unknown option or a missing value. `--help`/`-h` are always known;
// `--json` only when the command declares it.
args parse_args(std::span<const std::string> argv, const std::vector<option_spec>& specs);

// The option table for help text, one line per option.
std::string options_help(const std::vector<option_spec>& specs);

}  // namespace wharf::cli
