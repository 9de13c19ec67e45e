#include "cni/ipam_exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "cni/error.hpp"
#include "cni/json_field.hpp"
#include "log/logging.hpp"
#include "sys/child_process.hpp"

extern char** environ;

namespace wharf::cni {

namespace {

exec_output run_delegate(const context& ctx, command cmd) {
    std::string type = ipam_type(ctx.conf);
    std::string binary = find_plugin(type, ctx.req.path);
    exec_output o = exec_plugin(binary, cmd, ctx.stdin_data);
    if (o.exit_code != 0) rethrow_delegate_error(type, o);
    return o;
}

}  // namespace

std::string ipam_type(const net_conf& conf) {
    const nlohmann::json* t = find_value(conf.ipam, "type");
    if (!t || !t->is_string() || t->get<std::string>().empty())
        throw error(code::invalid_config, "invalid network config: ipam.type is missing", "ipam.type");
    return t->get<std::string>();
}

result delegate_result(const nlohmann::json& doc, const std::string& fallback_version) {
    const nlohmann::json* v = find_value(doc, "cniVersion");
    return result_from_json(doc, v && v->is_string() ? v->get<std::string>() : fallback_version);
}

std::vector<std::string> delegate_environment(command cmd) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e)
        if (std::strncmp(*e, "CNI_COMMAND=", 12) != 0) env.emplace_back(*e);
    env.push_back("CNI_COMMAND=" + std::string(command_name(cmd)));
    return env;
}

void rethrow_delegate_error(const std::string& type, const exec_output& o) {
    auto doc = nlohmann::json::parse(o.out, nullptr, false);
    const nlohmann::json* c = find_value(doc, "code");
    if (c && c->is_number_unsigned()) {
        const nlohmann::json* msg = find_value(doc, "msg");
        const nlohmann::json* details = find_value(doc, "details");
        throw error(static_cast<code>(c->get<unsigned>()),
                    msg && msg->is_string() ? msg->get<std::string>() : "IPAM plugin " + type + " failed",
                    details && details->is_string() ? details->get<std::string>() : "");
    }
    throw error(code::internal, "IPAM plugin " + type + " failed with exit code " + std::to_string(o.exit_code),
                o.out.substr(0, 500));
}

std::string find_plugin(const std::string& type, const std::vector<std::string>& path) {
    if (type.find('/') != std::string::npos || type == "." || type == "..")
        throw error(code::invalid_config, "invalid plugin type \"" + type + "\"", "type");
    std::string searched;
    for (const auto& dir : path) {
        std::string candidate = dir + "/" + type;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
        searched += (searched.empty() ? "" : ":") + dir;
    }
    throw error(code::invalid_config, "failed to find plugin \"" + type + "\" in path", "CNI_PATH=" + searched);
}

exec_output exec_plugin(const std::string& binary, command cmd, std::string_view stdin_data) {
    // stderr is inherited: the delegate's logs reach the runtime's log just as ours do.
    sys::piped_child child = sys::spawn_piped(binary, delegate_environment(cmd));
    exec_output o;
    o.out = sys::exchange(std::move(child.to_child), std::move(child.from_child), stdin_data);
    o.exit_code = sys::wait_exit_code(child.pid);
    if (o.exit_code < 0) throw_errno("wait for IPAM plugin " + binary);
    log::debug("{} {} exited {}", binary, command_name(cmd), o.exit_code);
    return o;
}

result ipam_add(const context& ctx) {
    exec_output o = run_delegate(ctx, command::add);
    auto doc = nlohmann::json::parse(o.out, nullptr, false);
    if (!doc.is_object())
        throw error(code::decoding_failure, "IPAM plugin " + ipam_type(ctx.conf) + " returned no valid result", o.out.substr(0, 500));
    return delegate_result(doc, ctx.conf.cni_version);
}

void ipam_del(const context& ctx) { run_delegate(ctx, command::del); }
void ipam_check(const context& ctx) { run_delegate(ctx, command::check); }
void ipam_status(const context& ctx) { run_delegate(ctx, command::status); }
void ipam_gc(const context& ctx) { run_delegate(ctx, command::gc); }

}  // namespace wharf::cni
