#include "cli/app.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "base/os_error.hpp"
#include "cli/command.hpp"
#include "cli/failure.hpp"
#include "cni/error.hpp"
#include "netns/netns.hpp"

namespace wharf::cli {

namespace {

std::vector<command> all_commands() {
    std::vector<command> all;
    for (auto group : {cni_commands, sandbox_commands, inspect_commands, net_commands, demo_commands}) {
        auto cmds = group();
        all.insert(all.end(), cmds.begin(), cmds.end());
    }
    return all;
}

void print_overview(const std::vector<command>& cmds) {
    std::printf(
        "wharf: container networking with CNI plugins, for people and for tests\n\n"
        "usage: wharf COMMAND [ARGS...]   (wharf COMMAND --help for details)\n\ncommands:\n");
    for (const auto& c : cmds) {
        std::string left = "  " + c.name + " " + c.synopsis;
        if (left.size() < 44) left.resize(44, ' ');
        else left += "  ";
        std::printf("%s%s\n", left.c_str(), c.summary.c_str());
    }
    std::printf(
        "\nenvironment:\n"
        "  NETCONFPATH      network configurations (default /etc/cni/net.d)\n"
        "  CNI_PATH         plugin binaries, ':'-separated (default /opt/cni/bin)\n"
        "  CNI_IFNAME, CNI_ARGS, CNI_CONTAINERID, CAP_ARGS   as cnitool reads them\n"
        "  WHARF_CACHE_DIR  result cache root (default /var/lib/cni)\n"
        "  WHARF_STATE_DIR  sandbox records (default /run/wharf/sandboxes)\n"
        "  WHARF_NETNS_DIR  named network namespaces (default /run/netns)\n"
        "  WHARF_NEGOTIATE  off: send the list's cniVersion as is (libcni), without asking VERSION\n"
        "\nexit codes: 0 ok, 1 a plugin or the kernel refused, 2 bad command line, 3 not found,\n"
        "  4 already exists, 5 needs root, 6 invalid network configuration, 130 interrupted;\n"
        "  `wharf run NAME ... -- CMD` exits with CMD's status.\n");
}

void print_command_help(const command& c) {
    std::printf("usage: wharf %s %s\n\n%s\n", c.name.c_str(), c.synopsis.c_str(), c.summary.c_str());
    if (!c.description.empty()) std::printf("\n%s\n", c.description.c_str());
    std::printf("\noptions:\n%s", options_help(c.options).c_str());
}

int report(exit_code code, const std::string& message, const std::string& hint = {}) {
    std::fprintf(stderr, "wharf: %s\n", message.c_str());
    if (!hint.empty()) std::fprintf(stderr, "  hint: %s\n", hint.c_str());
    return static_cast<int>(code);
}

}  // namespace

int run(int argc, char** argv) {
    std::vector<std::string> words(argv + 1, argv + argc);
    auto cmds = all_commands();
    if (words.empty() || words[0] == "-h" || words[0] == "--help" || words[0] == "help") {
        print_overview(cmds);
        return words.empty() ? static_cast<int>(exit_code::usage) : 0;
    }
    // Two-word commands ("sandbox create", "net ls") first.
    const command* found = nullptr;
    std::size_t used = 0;
    for (const auto& c : cmds) {
        if (words.size() >= 2 && c.name == words[0] + " " + words[1]) found = &c, used = 2;
    }
    if (!found)
        for (const auto& c : cmds)
            if (c.name == words[0]) found = &c, used = 1;
    if (!found) {
        bool group = false;
        for (const auto& c : cmds) group = group || c.name.rfind(words[0] + " ", 0) == 0;
        if (group) {
            std::string subs;
            for (const auto& c : cmds)
                if (c.name.rfind(words[0] + " ", 0) == 0) subs += "\n  wharf " + c.name + " " + c.synopsis;
            if (words.size() >= 2 && (words[1] == "--help" || words[1] == "-h")) {
                std::printf("usage:%s\n", subs.c_str());
                return 0;
            }
            return report(exit_code::usage, "\"" + words[0] + "\" needs a subcommand:" + subs);
        }
        return report(exit_code::usage, "unknown command \"" + words[0] + "\"", "`wharf --help` lists the commands");
    }
    try {
        std::vector<std::string> rest(words.begin() + static_cast<std::ptrdiff_t>(used), words.end());
        args a = parse_args(rest, found->options);
        if (a.help) {
            print_command_help(*found);
            return 0;
        }
        return found->run(a, settings_from_environment());
    } catch (const failure& f) {
        return report(f.code(), found->name + ": " + f.what(), f.hint());
    } catch (const netns::path_error& e) {
        return report(exit_code::not_found, found->name + ": " + e.what());
    } catch (const cni::error& e) {
        return report(exit_code::failed, found->name + ": " + e.what() + (e.details().empty() ? "" : " (" + e.details() + ")"));
    } catch (const os_error& e) {
        bool perm = e.code_value() == EPERM || e.code_value() == EACCES;
        return report(perm ? exit_code::permission : exit_code::failed, found->name + ": " + e.what(),
                      perm && geteuid() != 0 ? "run it as root" : "");
    } catch (const std::exception& e) {
        return report(exit_code::failed, found->name + ": " + e.what());
    }
}

option_spec json_option() { return {"", "--json", false, "", "print JSON instead of a table"}; }

void expect_positional(const args& a, std::size_t n, const std::string& synopsis) {
    if (a.positional.size() != n)
        throw failure(exit_code::usage, "expected " + synopsis + " (" + std::to_string(n) + " argument" + (n == 1 ? "" : "s") +
                                            "), got " + std::to_string(a.positional.size()),
                      "see --help");
}

void require_root(const std::string& what) {
    if (geteuid() != 0) throw failure(exit_code::permission, what + " needs root (network namespaces, links, mounts)", "run it with sudo");
}

}  // namespace wharf::cli
