#pragma once
// One `wharf` subcommand: its name ("add", "sandbox create"), what --help prints, its options, and
// the function that runs it (returning the process exit code).
#include <functional>
#include <string>
#include <vector>

#include "cli/args.hpp"
#include "cli/settings.hpp"

namespace wharf::cli {

struct command {
    std::string name;
    std::string synopsis;     // "NET NETNS"
    std::string summary;      // one line for the overview
    std::string description;  // paragraphs for --help
    std::vector<option_spec> options;
    std::function<int(const args&, const settings&)> run;
};

// The command groups, each in its own file.
std::vector<command> cni_commands();      // add, check, del, gc, status
std::vector<command> sandbox_commands();  // sandbox create/rm/ls, run, connect, disconnect
std::vector<command> inspect_commands();  // inspect, net ls, net inspect
std::vector<command> demo_commands();     // demo
std::vector<command> net_commands();      // net create, net rm

// Shared option: --json on listings.
option_spec json_option();
// Throws failure(usage) unless exactly `n` positional arguments were given.
void expect_positional(const args& a, std::size_t n, const std::string& synopsis);
// Throws failure(permission) unless running as root, naming what needs it.
void require_root(const std::string& what);

}  // namespace wharf::cli
