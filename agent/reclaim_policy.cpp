#include "reclaim_policy.hpp"

#include <fmt/format.h>

namespace wharf::agent {

namespace {

constexpr std::int64_t longest = 100LL * 365 * 24 * 3600;

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    while (!text.empty()) {
        std::int64_t n = 0;
        std::size_t digits = 0;
        while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
            n = n * 10 + (text[digits] - '0');
            if (n > longest) return std::nullopt;
            ++digits;
        }
        if (digits == 0 || digits == text.size()) return std::nullopt;  // no number, or no unit
        std::int64_t unit = 0;
        switch (text[digits]) {
            case 's': unit = 1; break;
            case 'm': unit = 60; break;
            case 'h': unit = 3600; break;
            default: return std::nullopt;
        }
        total += n * unit;
        if (total > longest) return std::nullopt;
        text.remove_prefix(digits + 1);
    }
    return std::chrono::seconds(total);
}

std::string format_duration(std::chrono::seconds d) {
    std::int64_t s = d.count();
    if (s == 0) return "0s";
    std::string out;
    if (s >= 3600) {
        out += fmt::format("{}h", s / 3600);
        s %= 3600;
    }
    if (s >= 60) {
        out += fmt::format("{}m", s / 60);
        s %= 60;
    }
    if (s > 0) out += fmt::format("{}s", s);
    return out;
}

verdict judge(const netns::origin& o, netns::presence seen, std::string_view boot_id, std::int64_t now,
              const reclaim_policy& policy) {
    using netns::presence;
    if (!o.id.known())
        return {false, "the record names no network namespace identity (written before reclaim existed, or ADD "
                       "could not read " + (o.netns.empty() ? std::string("its netns") : o.netns) + ")"};
    if (seen == presence::same) return {false, "its network namespace " + o.netns + " is still there"};
    if (seen == presence::unknown) return {false, "cannot tell whether its network namespace " + o.netns + " is there"};
    const std::string gone = fmt::format("its network namespace {} is {}", o.netns, netns::to_string(seen));
    if (!o.boot_id.empty() && !boot_id.empty() && o.boot_id != boot_id)
        return {true, gone + " and the record is from an earlier boot"};
    if (policy.after && o.added_at > 0) {
        const std::int64_t age = now - o.added_at;
        if (age >= policy.after->count())
            return {true, fmt::format("{} and its ADD was {} ago (--reclaim-after {})", gone,
                                      format_duration(std::chrono::seconds(age)), format_duration(*policy.after))};
        return {false, fmt::format("{}, but its ADD was only {} ago (--reclaim-after {})", gone,
                                   format_duration(std::chrono::seconds(age < 0 ? 0 : age)),
                                   format_duration(*policy.after))};
    }
    return {false, gone + ", but the record is from this boot (no --reclaim-after)"};
}

}  // namespace wharf::agent
