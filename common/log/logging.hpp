#pragma once
// Logging for plugins: stderr by default, or a file; never stdout, which carries the CNI result.
// spdlog does the writing inside logging.cpp; this header only formats, so it stays cheap to include.
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

namespace wharf::log {

enum class level { trace, debug, info, warn, error, off };

// Level from a name ("trace", "debug", "info", "warn"/"warning", "error", "off"/"panic"); nullopt-like
// fallback: returns `fallback` for an unknown name.
level parse_level(std::string_view name, level fallback);

// Configures logging once a plugin knows its config: `log_file` empty means stderr. The level comes
// from WHARF_LOG_LEVEL when set, else `config_level`, else warn. Safe to call more than once.
void configure(const std::string& plugin, const std::string& log_file, const std::string& config_level);

bool enabled(level lvl) noexcept;
void write(level lvl, std::string_view message) noexcept;

template <typename... Args>
void emit(level lvl, fmt::format_string<Args...> format, Args&&... args) noexcept {
    if (!enabled(lvl)) return;
    try {
        write(lvl, fmt::format(format, std::forward<Args>(args)...));
    } catch (...) {
    }
}

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... a) noexcept { emit(level::debug, f, std::forward<Args>(a)...); }
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... a) noexcept { emit(level::info, f, std::forward<Args>(a)...); }
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... a) noexcept { emit(level::warn, f, std::forward<Args>(a)...); }
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... a) noexcept { emit(level::error, f, std::forward<Args>(a)...); }

}  // namespace wharf::log
