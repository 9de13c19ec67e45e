#pragma once
// Shared by host-local's integration tests: a private data directory (mkdtemp, removed on every path),
// a unique network name, configs, and runs of the built plugin (or the reference one) as a runtime does.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "json/json.hpp"
#include "support/plugin_runner.hpp"
#include "support/sandbox.hpp"

namespace wharf::test::hl {

inline const std::string reference_plugin = "/usr/lib/cni/host-local";

struct store_fixture {
    std::string data_dir;
    std::string network = unique_name("hl");
    nlohmann::json ranges;  // ipam.ranges
    std::string version = "1.1.0";

    explicit store_fixture(nlohmann::json r) : ranges(std::move(r)) {
        char tmpl[] = "/tmp/wharf-hl-it-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        data_dir = tmpl;
    }
    ~store_fixture() {
        std::error_code ec;
        std::filesystem::remove_all(data_dir, ec);
    }
    store_fixture(const store_fixture&) = delete;
    store_fixture& operator=(const store_fixture&) = delete;

    std::string dir() const { return data_dir + "/" + network; }
    std::string file(const std::string& name) const { return dir() + "/" + name; }
    bool exists(const std::string& name) const { return std::filesystem::exists(file(name)); }

    nlohmann::json conf_json(const nlohmann::json& extra_top = nlohmann::json::object()) const {
        nlohmann::json c = {{"cniVersion", version},
                            {"name", network},
                            {"type", "host-local"},
                            {"ipam", {{"type", "host-local"}, {"dataDir", data_dir}, {"ranges", ranges}}}};
        for (auto it = extra_top.begin(); it != extra_top.end(); ++it) c[it.key()] = it.value();
        return c;
    }

    cni_call call(const std::string& command, const std::string& container, const std::string& ifname = "eth0") const {
        cni_call c;
        c.command = command;
        c.container_id = container;
        c.ifname = ifname;
        c.netns = "/proc/self/ns/net";
        return c;
    }

    run_result run(const std::string& command, const std::string& container, const std::string& ifname = "eth0",
                   const nlohmann::json& extra = nlohmann::json::object(), const std::string& args = {},
                   const std::string& binary = plugin_path("host-local")) const {
        cni_call c = call(command, container, ifname);
        c.args = args;
        return run_plugin(binary, c, conf_json(extra).dump());
    }

    // The addresses with a reservation file, as the reference layout has them.
    std::vector<std::string> reserved() const {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::directory_iterator(dir())) {
            std::string n = e.path().filename();
            if (n == "lock" || n.starts_with("last_reserved_ip.") || n.starts_with(".")) continue;
            out.push_back(n);
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    std::vector<std::string> hidden() const {
        return hidden_files([](const std::string& n) { return n != ".wharf-boot" && !n.starts_with(".wharf-own."); });
    }
    // The owner records (.wharf-own.<id>@<ifname>), which hidden() leaves out: one per attachment
    // whose ADD could read its namespace, for wharfd's reclaim.
    std::vector<std::string> owner_records() const {
        return hidden_files([](const std::string& n) { return n.starts_with(".wharf-own."); });
    }
    template <typename Pred>
    std::vector<std::string> hidden_files(Pred keep) const {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::directory_iterator(dir())) {
            std::string n = e.path().filename();
            if (n.starts_with(".") && keep(n)) out.push_back(n);
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    std::string content(const std::string& name) const {
        std::ifstream f(file(name));
        std::stringstream s;
        s << f.rdbuf();
        return s.str();
    }
    void put(const std::string& name, const std::string& text) const {
        std::ofstream f(file(name), std::ios::trunc);
        f << text;
    }
};

// "10.1.2.3/24" -> "10.1.2.3"
inline std::string addr_of(const nlohmann::json& ip) {
    std::string a = ip.at("address").get<std::string>();
    return a.substr(0, a.find('/'));
}

inline std::vector<std::string> addresses(const run_result& r) {
    std::vector<std::string> out;
    auto j = r.json();
    if (j.is_object() && j.contains("ips"))
        for (const auto& ip : j["ips"]) out.push_back(addr_of(ip));
    return out;
}

inline unsigned error_code(const run_result& r) {
    auto j = r.json();
    return j.is_object() && j.contains("code") ? j["code"].get<unsigned>() : 0;
}

inline std::string error_msg(const run_result& r) {
    auto j = r.json();
    return j.is_object() && j.contains("msg") ? j["msg"].get<std::string>() : std::string();
}

}  // namespace wharf::test::hl
