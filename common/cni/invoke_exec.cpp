#include "cni/invoke_exec.hpp"

#include <cerrno>
#include <utility>

#include "base/os_error.hpp"
#include "cni/json_field.hpp"

namespace wharf::cni {

exec_output finish_plugin(sys::child_process& plugin, std::string_view what) {
    sys::child_output printed = plugin.collect();
    const int exit_code = plugin.wait();
    if (exit_code < 0) {
        const int wait_errno = errno;
        throw os_error(wait_errno, "wait for " + std::string(what) + " " + plugin.binary());
    }
    return {.exit_code = exit_code, .out = std::move(printed.out), .err = std::move(printed.err)};
}

exec_output exec_plugin(const std::string& binary, std::vector<std::string> env, std::string stdin_data,
                        const sys::spawn_options& options, std::string_view what) {
    sys::child_process plugin = sys::child_process::spawn(binary, std::move(env), std::move(stdin_data), options);
    return finish_plugin(plugin, what);
}

std::optional<error_object> decode_error(std::string_view out) {
    const auto doc = nlohmann::json::parse(out, nullptr, false);
    const nlohmann::json* code = find_value(doc, "code");
    if (!code || !code->is_number_unsigned()) return std::nullopt;
    auto string_of = [&](std::string_view key) -> std::optional<std::string> {
        const nlohmann::json* v = find_value(doc, key);
        if (v && v->is_string()) return v->get<std::string>();
        return std::nullopt;
    };
    return error_object{.code = code->get<unsigned>(), .msg = string_of("msg"), .details = string_of("details")};
}

}  // namespace wharf::cni
