#include "cni/plugin_main.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "base/os_error.hpp"
#include "cni/error.hpp"
#include "cni/json_field.hpp"
#include "cni/version.hpp"
#include "log/logging.hpp"
#include "netns/netns.hpp"

namespace wharf::cni {

namespace {

// Far beyond any real network config (with its prevResult and runtime arguments), and small
// enough that a runaway writer on stdin cannot make the plugin hold more.
constexpr std::size_t max_stdin_bytes = 4u << 20;

std::string read_all_stdin() {
    std::string data;
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n > 0) {
            if (data.size() + static_cast<std::size_t>(n) > max_stdin_bytes)
                throw error(code::decoding_failure, "network config on stdin is too large",
                            "more than " + std::to_string(max_stdin_bytes >> 20) + " MiB; a config is read whole, up to that limit");
            data.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            break;
        } else if (errno != EINTR) {
            throw error(code::io_failure, "failed to read the network config from stdin", std::strerror(errno));
        }
    }
    return data;
}

// The result or error as one line of JSON. Bytes that are not UTF-8 (an environment variable quoted in
// an error message can carry any) become U+FFFD: dump() would throw on them, and the runtime would get
// no answer at all.
void write_stdout(const nlohmann::json& doc) {
    std::string line = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::size_t done = 0;
    while (done < line.size()) {
        ssize_t n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

// The version to print errors in: the config's, when it can be read at all.
std::string error_version(const std::string& stdin_data) {
    auto doc = nlohmann::json::parse(stdin_data, nullptr, false);
    if (doc.is_object()) {
        const auto* v = find_value(doc, "cniVersion");
        if (v && v->is_string() && is_supported_version(v->get<std::string>())) return v->get<std::string>();
    }
    return std::string(latest_version);
}

int report(const std::string& stdin_data, unsigned code_number, const std::string& msg, const std::string& details) {
    nlohmann::json e = {{"cniVersion", error_version(stdin_data)}, {"code", code_number}, {"msg", msg}};
    if (!details.empty()) e["details"] = details;
    log::error("{} ({}): {}", msg, code_number, details);
    write_stdout(e);
    return 1;
}

bool is_io_errno(int e) { return e == EIO || e == ENOSPC || e == EROFS || e == EDQUOT || e == EACCES; }

int dispatch(const std::string& plugin, const handlers& h, const std::string& stdin_data) {
    request req = read_request();
    if (req.cmd == command::version) {
        write_stdout(version_info());
        return 0;
    }
    net_conf conf = parse_net_conf(stdin_data, req.cmd);
    context ctx{std::move(req), std::move(conf), stdin_data};
    log::configure(plugin, ctx.conf.log_file, ctx.conf.log_level);
    for (const auto& why : ctx.req.ignored) log::warn("DEL ignores {}", why);
    for (const auto& why : ctx.conf.ignored) log::warn("DEL ignores {}", why);
    log::debug("{} container={} netns={} ifname={} network={} args={} prevResult={}", command_name(ctx.req.cmd),
               ctx.req.container_id, ctx.req.netns, ctx.req.ifname, ctx.conf.name, ctx.req.args_raw,
               ctx.conf.prev_result ? "yes" : "no");
    switch (ctx.req.cmd) {
        case command::add: {
            if (!h.add) throw error(code::internal, plugin + " does not implement ADD");
            result r = h.add(ctx);
            write_stdout(to_json(r, ctx.conf.cni_version));
            return 0;
        }
        case command::del:
            if (h.del) h.del(ctx);
            return 0;
        case command::check:
            if (!h.check) throw error(code::internal, plugin + " does not implement CHECK");
            h.check(ctx);
            return 0;
        case command::status:
            if (h.status) h.status(ctx);
            return 0;
        case command::gc:
            if (h.gc) h.gc(ctx);
            return 0;
        case command::version: break;
    }
    return 0;
}

int answer(const std::string& plugin, const handlers& h, std::string& stdin_data) {
    try {
        // VERSION needs no stdin; reading it anyway would block on a terminal, so peek at the command.
        const char* cmd = std::getenv("CNI_COMMAND");
        if (!cmd || std::string_view(cmd) != "VERSION") stdin_data = read_all_stdin();
        return dispatch(plugin, h, stdin_data);
    } catch (const error& e) {
        return report(stdin_data, e.number(), e.what(), e.details());
    } catch (const netns::not_a_namespace& e) {
        return report(stdin_data, static_cast<unsigned>(code::invalid_netns), e.what(), "CNI_NETNS");
    } catch (const netns::not_found& e) {
        return report(stdin_data, static_cast<unsigned>(code::invalid_netns), e.what(), "CNI_NETNS");
    } catch (const os_error& e) {
        unsigned c = static_cast<unsigned>(is_io_errno(e.code_value()) ? code::io_failure : code::internal);
        return report(stdin_data, c, e.what(), e.detail());
    } catch (const std::exception& e) {
        return report(stdin_data, static_cast<unsigned>(code::internal), e.what(), {});
    }
}

}  // namespace

int plugin_main(const std::string& plugin, const handlers& h) {
    std::string stdin_data;
    const int exit_code = answer(plugin, h, stdin_data);
    // The answer is complete. Closing stdout now gives a caller that reads to EOF (a runtime, or the
    // bridge waiting for its IPAM delegate) the whole answer at once, instead of after this process
    // is torn down, which for a static binary takes a few hundred microseconds more. The exit code
    // still comes with the exit.
    ::close(STDOUT_FILENO);
    return exit_code;
}

}  // namespace wharf::cni
