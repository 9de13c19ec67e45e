#include "cni/ipam_exec.hpp"

#include <utility>

#include "cni/error.hpp"
#include "cni/invoke_args.hpp"
#include "cni/invoke_exec.hpp"
#include "cni/invoke_find.hpp"
#include "cni/json_field.hpp"
#include "log/logging.hpp"

namespace wharf::cni {

namespace {

// The delegate's binary: `type` in CNI_PATH; code 7 if there is none.
std::string find_delegate(const std::string& type, const std::vector<std::string>& path) {
    if (!is_plugin_name(type)) throw error(code::invalid_config, "invalid plugin type \"" + type + "\"", "type");
    if (auto binary = find_in_path(type, path)) return *binary;
    throw error(code::invalid_config, "failed to find plugin \"" + type + "\" in path", "CNI_PATH=" + join_cni_path(path));
}

// The environment a delegate runs with: ours, CNI_COMMAND replaced by `cmd`.
std::vector<std::string> delegate_environment(command cmd) {
    return invoke_environment({.command = std::string(command_name(cmd))}, inherit::all);
}

// Throws the failed delegate's own error object as cni::error, or code 999 naming `type`, the exit
// code and the start of its output when it printed none.
[[noreturn]] void rethrow_delegate_error(const std::string& type, int exit_code, const std::string& out) {
    if (auto e = decode_error(out))
        throw error(static_cast<code>(e->code), e->msg.value_or("IPAM plugin " + type + " failed"), e->details.value_or(""));
    throw error(code::internal, "IPAM plugin " + type + " failed with exit code " + std::to_string(exit_code),
                out.substr(0, 500));
}

// A delegate's ADD answer, already parsed as an object, read in the version it declares (its
// `cniVersion`, else `fallback_version`).
result delegate_result(const nlohmann::json& doc, const std::string& fallback_version) {
    const nlohmann::json* v = find_value(doc, "cniVersion");
    return result_from_json(doc, v && v->is_string() ? v->get<std::string>() : fallback_version);
}

exec_output run_delegate(const context& ctx, command cmd) {
    std::string type = ipam_type(ctx.conf);
    std::string binary = find_delegate(type, ctx.req.path);
    exec_output o = exec_plugin(binary, delegate_environment(cmd), ctx.stdin_data, {}, "IPAM plugin");
    log::debug("{} {} exited {}", binary, command_name(cmd), o.exit_code);
    if (o.exit_code != 0) rethrow_delegate_error(type, o.exit_code, o.out);
    return o;
}

}  // namespace

std::string ipam_type(const net_conf& conf) {
    const nlohmann::json* t = find_value(conf.ipam, "type");
    if (!t || !t->is_string() || t->get<std::string>().empty())
        throw error(code::invalid_config, "invalid network config: ipam.type is missing", "ipam.type");
    return t->get<std::string>();
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

pending_ipam::pending_ipam(std::string type, std::string version, sys::child_process delegate)
    : type_(std::move(type)), version_(std::move(version)), delegate_(std::move(delegate)) {}

pending_ipam pending_ipam::start_add(const context& ctx) {
    std::string type = ipam_type(ctx.conf);
    std::string binary = find_delegate(type, ctx.req.path);
    sys::child_process delegate = sys::child_process::spawn(binary, delegate_environment(command::add), ctx.stdin_data);
    return pending_ipam(std::move(type), ctx.conf.cni_version, std::move(delegate));
}

result pending_ipam::finish() {
    std::string out = delegate_.collect().out;
    auto doc = nlohmann::json::parse(out, nullptr, false);
    // Our delegates close stdout as soon as they have answered, before they are torn down: a result
    // is used right away and the exit status collected by confirm(), when the ADD is otherwise done.
    const bool looks_successful = doc.is_object() && !find_field(doc, "code");
    if (looks_successful) return delegate_result(doc, version_);
    int exit_code = delegate_.wait();
    log::debug("IPAM {} ADD exited {}", type_, exit_code);
    if (exit_code != 0) rethrow_delegate_error(type_, exit_code, out);
    if (!doc.is_object())
        throw error(code::decoding_failure, "IPAM plugin " + type_ + " returned no valid result", out.substr(0, 500));
    throw error(code::internal, "IPAM plugin " + type_ + " exited 0 with an error object", out.substr(0, 500));
}

void pending_ipam::confirm() {
    int exit_code = delegate_.wait();
    log::debug("IPAM {} ADD exited {}", type_, exit_code);
    if (exit_code != 0)
        throw error(code::internal,
                    "IPAM plugin " + type_ + " printed a result but failed with exit code " + std::to_string(exit_code));
}

}  // namespace wharf::cni
