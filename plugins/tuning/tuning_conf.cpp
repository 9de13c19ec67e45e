#include "tuning_conf.hpp"

#include <limits>
#include <map>

#include "cni/error.hpp"
#include "cni/json_field.hpp"
#include "sysctl_key.hpp"

namespace wharf::tuning {

using nlohmann::json;

namespace {


// {"key": "value", ...} into `into` (later objects override earlier ones per key).
void read_sysctls(const json& obj, const std::string& where, std::map<std::string, std::string>& into) {
    const json* v = cni::find_value(obj, "sysctl");
    if (!v) return;
    if (!v->is_object()) cni::invalid_key(where, "must be an object of \"key\": \"value\", not " + v->dump());
    for (const auto& [key, value] : v->items()) {
        if (!value.is_string()) cni::invalid_key(where + "." + key, "must be a string, not " + value.dump());
        if (auto why = sysctl_key_problem(key); !why.empty())
            cni::invalid_key(where, "key \"" + key + "\" " + why + " (only net.* keys of the container's namespace)");
        into[key] = value.get<std::string>();
    }
}

constexpr long long int_max = std::numeric_limits<std::int32_t>::max();

// The keys the config and args.cni share (args.cni's win): mtu, promisc, allmulti, txQLen.
void read_link_keys(const json& obj, tuning_conf& c) {
    if (long long mtu = cni::get_int(obj, "mtu", 0, 0, int_max); mtu != 0) c.mtu = static_cast<std::uint32_t>(mtu);
    else if (cni::find_value(obj, "mtu")) c.mtu.reset();
    c.promisc = cni::get_bool(obj, "promisc", c.promisc);
    if (cni::find_value(obj, "allmulti")) c.allmulti = cni::get_bool(obj, "allmulti", false);
    if (cni::find_value(obj, "txQLen")) c.txqlen = static_cast<std::uint32_t>(cni::get_int(obj, "txQLen", 0, 0, int_max));
}

}  // namespace

tuning_conf parse_tuning_conf(const cni::net_conf& conf, const cni::request& req, std::string_view stdin_data) {
    const json& raw = conf.raw;
    tuning_conf c;
    c.data_dir = cni::get_string(raw, "dataDir");
    if (c.data_dir.empty()) c.data_dir = default_data_dir;
    if (auto dup = duplicate_sysctl_key(stdin_data))
        cni::invalid_key("sysctl", "key \"" + *dup + "\" is given more than once");

    std::map<std::string, std::string> sysctls;
    read_sysctls(raw, "sysctl", sysctls);
    if (auto m = cni::get_string(raw, "mac"); !m.empty()) c.mac = cni::parse_mac("mac", m);
    read_link_keys(raw, c);

    // Per-request input, in the reference's order of precedence: CNI_ARGS, runtimeConfig, args.
    cni::read_per_request(req.cmd, "CNI_ARGS", [&] {
        cni::check_known_args(req, {"MAC"});
        if (auto m = req.arg("MAC"); m && !m->empty()) {
            try {
                c.mac = cni::parse_mac("CNI_ARGS MAC", *m);
            } catch (const cni::error& e) {
                throw cni::error(cni::code::invalid_env, e.what(), "CNI_ARGS=" + req.args_raw);
            }
        }
    });
    cni::read_per_request(req.cmd, "runtimeConfig.mac", [&] {
        if (auto m = cni::get_string(conf.runtime_config, "mac"); !m.empty()) c.mac = cni::parse_mac("runtimeConfig.mac", m);
    });
    cni::read_per_request(req.cmd, "args.cni", [&] {
        const json* a = cni::find_value(conf.args, "cni");
        if (!a) return;
        if (!a->is_object()) cni::invalid_key("args.cni", "must be an object, not " + a->dump());
        read_sysctls(*a, "args.cni.sysctl", sysctls);
        // Present, even empty, args.cni.mac replaces the MAC (the reference's pointer semantics).
        if (cni::find_value(*a, "mac")) {
            auto m = cni::get_string(*a, "mac");
            if (m.empty()) c.mac.reset();
            else c.mac = cni::parse_mac("args.cni.mac", m);
        }
        read_link_keys(*a, c);
    });

    for (auto& [key, value] : sysctls) {
        std::string path;
        if (!req.ifname.empty()) {
            try {
                path = sysctl_path(key, req.ifname);
            } catch (const std::invalid_argument& e) {
                cni::invalid_key("sysctl", e.what());
            }
        }
        c.sysctls.push_back({key, std::move(path), std::move(value)});
    }
    return c;
}

}  // namespace wharf::tuning
