#include "cli/args.hpp"

#include "cli/failure.hpp"

namespace wharf::cli {

std::optional<std::string> args::value(const std::string& long_name) const {
    auto it = options.find(long_name);
    if (it == options.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
}

std::vector<std::string> args::values(const std::string& long_name) const {
    auto it = options.find(long_name);
    return it == options.end() ? std::vector<std::string>{} : it->second;
}

namespace {

const option_spec* find_spec(const std::vector<option_spec>& specs, const std::string& name) {
    for (const auto& s : specs)
        if (name == s.long_name || (!s.short_name.empty() && name == s.short_name)) return &s;
    return nullptr;
}

}  // namespace

args parse_args(std::span<const std::string> argv, const std::vector<option_spec>& specs) {
    args a;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& word = argv[i];
        if (word == "--") {
            a.command.assign(argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end());
            break;
        }
        if (word == "-h" || word == "--help") {
            a.help = true;
            continue;
        }
        if (word.size() < 2 || word[0] != '-') {
            a.positional.push_back(word);
            continue;
        }
        std::string name = word;
        std::optional<std::string> inline_value;
        if (auto eq = word.find('='); word.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = word.substr(0, eq);
            inline_value = word.substr(eq + 1);
        }
        const option_spec* spec = find_spec(specs, name);
        if (!spec) throw failure(exit_code::usage, "unknown option \"" + name + "\"", "see --help for the options of this command");
        if (!spec->takes_value) {
            if (inline_value) throw failure(exit_code::usage, "option " + spec->long_name + " takes no value");
            a.options[spec->long_name].push_back("");
            continue;
        }
        if (!inline_value) {
            if (i + 1 >= argv.size())
                throw failure(exit_code::usage, "option " + name + " needs a value (" + spec->value_name + ")");
            inline_value = argv[++i];
        }
        a.options[spec->long_name].push_back(*inline_value);
    }
    return a;
}

std::string options_help(const std::vector<option_spec>& specs) {
    std::string out;
    for (const auto& s : specs) {
        std::string left = "  " + (s.short_name.empty() ? std::string("    ") : s.short_name + ", ") + s.long_name;
        if (s.takes_value) left += " " + s.value_name;
        if (left.size() < 30) left.resize(30, ' ');
        else left += "  ";
        out += left + s.help + "\n";
    }
    out += "  -h, --help                  show this help\n";
    return out;
}

}  // namespace wharf::cli
