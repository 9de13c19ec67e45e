#include "log/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>
#include <mutex>

namespace wharf::log {

namespace {

// The logger is made on first use: a plugin answering VERSION never pays for it.
struct state {
    level threshold = level::warn;
    std::string plugin = "wharf";
    std::string file;
    std::shared_ptr<spdlog::logger> logger;
};

state& current() {
    static state s = [] {
        state init;
        if (const char* env = std::getenv("WHARF_LOG_LEVEL")) init.threshold = parse_level(env, level::warn);
        return init;
    }();
    return s;
}

spdlog::level::level_enum to_spdlog(level lvl) {
    switch (lvl) {
        case level::trace: return spdlog::level::trace;
        case level::debug: return spdlog::level::debug;
        case level::info: return spdlog::level::info;
        case level::warn: return spdlog::level::warn;
        case level::error: return spdlog::level::err;
        case level::off: return spdlog::level::off;
    }
    return spdlog::level::warn;
}

spdlog::logger& logger() {
    state& s = current();
    if (!s.logger) {
        spdlog::sink_ptr sink;
        if (!s.file.empty()) {
            try {
                sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(s.file, false);
            } catch (const spdlog::spdlog_ex&) {
                sink.reset();  // an unwritable log file must not break the plugin: fall back to stderr
            }
        }
        if (!sink) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        s.logger = std::make_shared<spdlog::logger>(s.plugin, std::move(sink));
        s.logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %n[%P] %l: %v");
        s.logger->set_level(spdlog::level::trace);
        s.logger->flush_on(spdlog::level::trace);
    }
    return *s.logger;
}

}  // namespace

level parse_level(std::string_view name, level fallback) {
    if (name == "trace") return level::trace;
    if (name == "debug") return level::debug;
    if (name == "info") return level::info;
    if (name == "warn" || name == "warning") return level::warn;
    if (name == "error") return level::error;
    if (name == "off" || name == "panic" || name == "none") return level::off;
    return fallback;
}

void configure(const std::string& plugin, const std::string& log_file, const std::string& config_level) {
    state& s = current();
    s.plugin = plugin;
    s.file = log_file;
    s.logger.reset();
    const char* env = std::getenv("WHARF_LOG_LEVEL");
    if (env && *env) {
        s.threshold = parse_level(env, level::warn);
    } else if (!config_level.empty()) {
        s.threshold = parse_level(config_level, level::warn);
    }
}

bool enabled(level lvl) noexcept { return lvl != level::off && lvl >= current().threshold; }

void write(level lvl, std::string_view message) noexcept {
    // A plugin may log from two threads (the bridge's DEL releases IPAM in one): the logger is made
    // on first use, so that must happen once.
    static std::mutex making;
    try {
        std::lock_guard lock(making);
        logger().log(to_spdlog(lvl), "{}", message);
    } catch (...) {
    }
}

}  // namespace wharf::log
