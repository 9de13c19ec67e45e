#include "cni/invoke_args.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

namespace wharf::cni {

namespace {

constexpr std::string_view protocol_variables[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS",
                                                   "CNI_IFNAME",  "CNI_ARGS",        "CNI_PATH"};

std::string_view name_of(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// One variable the call defines; without a value, one it removes.
struct setting {
    std::string_view name;
    std::optional<std::string_view> value;
};

}  // namespace

std::vector<std::string> invoke_environment(const invoke_args& call, inherit from) {
    return invoke_environment(call, from, environ);
}

std::vector<std::string> invoke_environment(const invoke_args& call, inherit from, const char* const* base) {
    std::vector<setting> settings = {{"CNI_COMMAND", call.command}};
    auto set_if_given = [&](std::string_view name, const std::optional<std::string>& value) {
        if (value) settings.push_back({name, *value});
    };
    set_if_given("CNI_CONTAINERID", call.container_id);
    set_if_given("CNI_NETNS", call.netns);
    set_if_given("CNI_IFNAME", call.ifname);
    set_if_given("CNI_ARGS", call.args);
    set_if_given("CNI_PATH", call.path);
    for (const auto& [name, value] : call.extra)
        settings.push_back({name, value ? std::optional<std::string_view>(*value) : std::nullopt});

    auto replaced = [&](std::string_view name) {
        if (from == inherit::all_but_protocol &&
            std::find(std::begin(protocol_variables), std::end(protocol_variables), name) != std::end(protocol_variables))
            return true;
        return std::any_of(settings.begin(), settings.end(), [&](const setting& s) { return s.name == name; });
    };
    std::vector<std::string> env;
    for (const char* const* e = base; e && *e; ++e)
        if (!replaced(name_of(*e))) env.emplace_back(*e);
    const auto inherited = static_cast<std::ptrdiff_t>(env.size());
    for (const auto& s : settings) {
        // A later setting of the same name (one in `extra`) replaces an earlier one.
        auto own_begin = env.begin() + inherited;
        env.erase(std::remove_if(own_begin, env.end(), [&](const std::string& e) { return name_of(e) == s.name; }),
                  env.end());
        if (s.value) env.push_back(fmt::format("{}={}", s.name, *s.value));
    }
    return env;
}

std::string join_cni_args(const std::vector<std::pair<std::string, std::string>>& args) {
    std::vector<std::string> pairs;
    pairs.reserve(args.size());
    for (const auto& [k, v] : args) pairs.push_back(k + "=" + v);
    return fmt::format("{}", fmt::join(pairs, ";"));
}

std::string join_cni_path(const std::vector<std::string>& dirs) { return fmt::format("{}", fmt::join(dirs, ":")); }

}  // namespace wharf::cni
