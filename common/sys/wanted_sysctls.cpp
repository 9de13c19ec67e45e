#include "sys/wanted_sysctls.hpp"

#include <algorithm>
#include <exception>
#include <sstream>

#include "log/logging.hpp"
#include "netns/netns.hpp"
#include "sys/dirs.hpp"
#include "sys/sysctl.hpp"

namespace wharf::sys {

namespace {

std::string record_name(std::string_view owner, const std::string& tag) { return std::string(owner) + ":" + tag; }

void parse_settings(const std::string& text, std::vector<sysctl_setting>& out) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto eq = line.find('=');
        if (eq == std::string::npos || eq == 0) continue;
        out.push_back({line.substr(0, eq), line.substr(eq + 1)});
    }
}

}  // namespace

wanted_sysctls wanted_sysctls::here() {
    return wanted_sysctls(run_dir() + "/sysctls/" + std::to_string(netns::handle::current().inode()));
}

void wanted_sysctls::want(std::string_view owner, const std::string& tag, const std::vector<sysctl_setting>& settings) const {
    std::string text;
    for (const auto& s : settings) text += s.key + "=" + s.value + "\n";
    dir_.save(record_name(owner, tag), text);
}

void wanted_sysctls::drop(std::string_view owner, const std::string& tag) const { dir_.drop(record_name(owner, tag)); }

std::size_t wanted_sysctls::drop_stale(std::string_view owner, const std::function<bool(const std::string&)>& stale) const {
    const std::string prefix = std::string(owner) + ":";
    std::size_t dropped = 0;
    for (const auto& name : dir_.tags()) {
        if (!name.starts_with(prefix) || !stale(name.substr(prefix.size()))) continue;
        dir_.drop(name);
        ++dropped;
    }
    return dropped;
}

std::vector<sysctl_setting> wanted_sysctls::of(std::string_view owner, const std::string& tag) const {
    std::vector<sysctl_setting> out;
    if (const auto text = dir_.load(record_name(owner, tag))) parse_settings(*text, out);
    return out;
}

std::vector<sysctl_setting> wanted_sysctls::all(std::string_view owner,
                                                const std::function<bool(const std::string&)>& kept) const {
    const std::string prefix = owner.empty() ? std::string() : std::string(owner) + ":";
    std::vector<sysctl_setting> out;
    for (const auto& name : dir_.tags()) {
        if (!name.starts_with(prefix) || (kept && !kept(name.substr(prefix.size())))) continue;
        if (const auto text = dir_.load(name)) parse_settings(*text, out);  // else dropped since the listing
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<std::string> restore_sysctls(const std::vector<sysctl_setting>& settings) noexcept {
    std::vector<std::string> changed;
    for (const auto& s : settings) {
        try {
            const std::string now = sysctl::read(s.key);
            if (now == s.value) continue;
            sysctl::write(s.key, s.value);
            changed.push_back(s.key + ": " + now + " -> " + s.value);
        } catch (const std::exception& e) {
            // A parameter of an interface that is gone (its bridge deleted) cannot be kept: say so once per try.
            log::debug("cannot keep {}={}: {}", s.key, s.value, e.what());
        }
    }
    return changed;
}

}  // namespace wharf::sys
