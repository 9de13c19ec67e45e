#include "cli/sandbox_manager.hpp"

#include <linux/netlink.h>

#include <algorithm>

#include "cli/container_id.hpp"
#include "json/json.hpp"
#include "netlink/link.hpp"
#include "netns/netns.hpp"

namespace wharf::cli {

using nlohmann::json;

net_request parse_net_request(const std::string& text) {
    if (text == "none") return {.mode = net_mode::none};
    if (text == "host") return {.mode = net_mode::host};
    if (text.rfind("container:", 0) == 0) {
        std::string other = text.substr(10);
        if (other.empty()) throw failure(exit_code::usage, "--net container: needs a sandbox name (container:NAME)");
        return {.mode = net_mode::container, .other = other};
    }
    if (text.empty()) throw failure(exit_code::usage, "--net needs a network name, none, host or container:NAME");
    return {.mode = net_mode::network, .network = text};
}

void set_loopback_up(const std::string& netns_path) {
    auto ns = netns::handle::open(netns_path);
    auto sock = netns::open_socket(ns, NETLINK_ROUTE);
    auto lo = netlink::link::get_link(sock, "lo");
    netlink::link::set_up(sock, lo.index);
}

sandbox_manager::sandbox_manager(const settings& s, bool own_process_group)
    : settings_(s),
      store_(s.state_dir),
      netns_(s.netns_dir),
      runtime_({.path = s.cni_path, .cache_dir = s.cache_dir, .negotiate_version = s.negotiate_version,
                .own_process_group = own_process_group}) {}

sandbox_record sandbox_manager::create(const std::string& name, const net_request& net) {
    if (auto problem = sandbox_name_problem(name); !problem.empty())
        throw failure(exit_code::usage, "invalid sandbox name \"" + name + "\": " + problem);
    if (store_.find(name))
        throw failure(exit_code::already_exists, "a sandbox named \"" + name + "\" already exists",
                      "remove it with `wharf sandbox rm " + name + "`, or pick another name");
    sandbox_record sb{.name = name, .container_id = container_id_for_sandbox(name), .mode = net.mode};
    switch (net.mode) {
    case net_mode::host:
        break;
    case net_mode::container: {
        auto other = store_.get(net.other);
        if (other.mode == net_mode::host)
            throw failure(exit_code::usage, "sandbox \"" + net.other + "\" uses the host's network; use --net host");
        sb.netns = other.netns;
        sb.joined = other.mode == net_mode::container ? other.joined : other.name;
        break;
    }
    case net_mode::none:
    case net_mode::network: {
        sb.netns = netns_.create(name);
        sb.owns_netns = true;
        try {
            set_loopback_up(sb.netns);
        } catch (...) {
            netns_.remove(name);
            throw;
        }
        break;
    }
    }
    try {
        store_.save(sb);
    } catch (...) {
        if (sb.owns_netns) netns_.remove(name);
        throw;
    }
    return sb;
}

runtime_conf sandbox_manager::runtime_conf_for(const sandbox_record& sb, const attachment_record& a) const {
    return {.container_id = sb.container_id, .netns = sb.netns, .ifname = a.ifname, .args = a.cni_args,
            .capability_args = a.capability_args};
}

network_list sandbox_manager::network_for(const sandbox_record& sb, const attachment_record& a) {
    try {
        return load_network(settings_.conf_dir, a.network);
    } catch (const failure& f) {
        if (f.code() != exit_code::not_found) throw;
        auto cached = runtime_.cache().load(a.network, sb.container_id, a.ifname);
        if (!cached || cached->config.empty()) throw;
        auto list = parse_conflist(cached->config, "");
        list.file = runtime_.cache().path_of(a.network, sb.container_id, a.ifname) + " (cached)";
        return list;
    }
}

json sandbox_manager::attach(sandbox_record& sb, const std::string& network, const json& capability_args,
                             const std::string& ifname) {
    if (sb.mode == net_mode::host || sb.mode == net_mode::container)
        throw failure(exit_code::usage, "sandbox \"" + sb.name + "\" shares " +
                                            (sb.mode == net_mode::host ? std::string("the host's network")
                                                                       : "the network of \"" + sb.joined + "\"") +
                                            "; connect that one instead");
    if (std::any_of(sb.attachments.begin(), sb.attachments.end(), [&](const auto& a) { return a.network == network; }))
        throw failure(exit_code::already_exists, "sandbox \"" + sb.name + "\" is already on network \"" + network + "\"");
    auto list = load_network(settings_.conf_dir, network);
    attachment_record a{.network = list.name, .ifname = ifname, .capability_args = capability_args};
    if (a.ifname.empty()) {
        for (int i = 0;; ++i) {
            std::string candidate = "eth" + std::to_string(i);
            if (std::none_of(sb.attachments.begin(), sb.attachments.end(), [&](const auto& x) { return x.ifname == candidate; })) {
                a.ifname = candidate;
                break;
            }
        }
    }
    auto rt = runtime_conf_for(sb, a);
    json result;
    try {
        result = runtime_.add(list, rt);
    } catch (...) {
        // As a runtime must after a failed ADD: DEL, so nothing half-made stays behind.
        try {
            runtime_.del(list, rt);
        } catch (...) {
        }
        throw;
    }
    sb.attachments.push_back(a);
    if (sb.mode == net_mode::none) sb.mode = net_mode::network;
    store_.save(sb);
    return result;
}

void sandbox_manager::detach(sandbox_record& sb, const std::string& network) {
    auto it = std::find_if(sb.attachments.begin(), sb.attachments.end(), [&](const auto& a) { return a.network == network; });
    if (it == sb.attachments.end())
        throw failure(exit_code::not_found, "sandbox \"" + sb.name + "\" is not connected to network \"" + network + "\"");
    runtime_.del(network_for(sb, *it), runtime_conf_for(sb, *it));
    sb.attachments.erase(it);
    store_.save(sb);
}

void sandbox_manager::remove(const std::string& name, bool force) {
    auto sb = store_.get(name);
    std::string errors;
    while (!sb.attachments.empty()) {
        auto& a = sb.attachments.back();
        try {
            runtime_.del(network_for(sb, a), runtime_conf_for(sb, a));
        } catch (const std::exception& e) {
            errors += std::string(errors.empty() ? "" : "\n") + "DEL " + a.network + "/" + a.ifname + ": " + e.what();
            if (!force) {
                store_.save(sb);
                throw failure(exit_code::failed, "cannot remove sandbox \"" + name + "\": " + errors,
                              "fix the cause and retry, or use --force to remove it anyway");
            }
        }
        sb.attachments.pop_back();
    }
    if (sb.owns_netns) netns_.remove(name);
    store_.remove(name);
    if (!errors.empty()) throw failure(exit_code::failed, "removed sandbox \"" + name + "\", but: " + errors);
}

}  // namespace wharf::cli
