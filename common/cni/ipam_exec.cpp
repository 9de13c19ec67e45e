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
#include "log/logging.hpp"
#include "sys/child_process.hpp"

extern char** environ;

namespace wharf::cni {

namespace {

std::string ipam_type(const context& ctx) {
    auto it = ctx.conf.ipam.find("type");
    if (it == ctx.conf.ipam.end() || !it->is_string() || it->get<std::string>().empty())
        throw error(code::invalid_config, "invalid network config: ipam.type is missing", "ipam.type");
    return it->get<std::string>();
}

exec_output run_delegate(const context& ctx, command cmd) {
    std::string type = ipam_type(ctx);
    std::string binary = find_plugin(type, ctx.req.path);
    exec_output o = exec_plugin(binary, cmd, ctx.stdin_data);
    if (o.exit_code != 0) rethrow_delegate_error(type, o);
    return o;
}

}  // namespace

std::vector<std::string> delegate_environment(command cmd) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e)
        if (std::strncmp(*e, "CNI_COMMAND=", 12) != 0) env.emplace_back(*e);
    env.push_back("CNI_COMMAND=" + std::string(command_name(cmd)));
    return env;
}

void rethrow_delegate_error(const std::string& type, const exec_output& o) {
    auto doc = nlohmann::json::parse(o.out, nullptr, false);
    if (doc.is_object() && doc.contains("code") && doc["code"].is_number_unsigned()) {
        std::string msg = doc.value("msg", std::string("IPAM plugin ") + type + " failed");
        std::string details = doc.contains("details") && doc["details"].is_string() ? doc["details"].get<std::string>() : "";
        throw error(static_cast<code>(doc["code"].get<unsigned>()), msg, details);
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
        throw error(code::decoding_failure, "IPAM plugin " + ipam_type(ctx) + " returned no valid result", o.out.substr(0, 500));
    std::string version = doc.value("cniVersion", ctx.conf.cni_version);
    return result_from_json(doc, version);
}

void ipam_del(const context& ctx) { run_delegate(ctx, command::del); }
void ipam_check(const context& ctx) { run_delegate(ctx, command::check); }
void ipam_status(const context& ctx) { run_delegate(ctx, command::status); }
void ipam_gc(const context& ctx) { run_delegate(ctx, command::gc); }

}  // namespace wharf::cni
