#pragma once
// The record `wharf` keeps per sandbox (WHARF_STATE_DIR/<name>.json, default /run/wharf/sandboxes):
// its namespace, how it was made, and each network attachment with what DEL needs again (network,
// interface, capability and CNI arguments). The CNI result itself is in the libcni result cache.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json/json.hpp"

namespace wharf::cli {

enum class net_mode { network, none, host, container };

struct attachment_record {
    std::string network;
    std::string ifname;
    nlohmann::json capability_args = nlohmann::json::object();
    std::vector<std::pair<std::string, std::string>> cni_args;
    friend bool operator==(const attachment_record&, const attachment_record&) = default;
};

struct sandbox_record {
    std::string name;
    std::string container_id;
    net_mode mode = net_mode::none;
    std::string netns;       // path; empty for --net host
    bool owns_netns = false; // made by us: removed with the sandbox
    std::string joined;      // --net container:OTHER
    std::vector<attachment_record> attachments;
    friend bool operator==(const sandbox_record&, const sandbox_record&) = default;
};

std::string to_string(net_mode m);
nlohmann::json to_json(const sandbox_record& r);
// Throws failure(failed) naming the problem for a malformed record.
sandbox_record sandbox_record_from_json(const nlohmann::json& j);

class sandbox_store {
public:
    explicit sandbox_store(std::string dir) : dir_(std::move(dir)) {}
    const std::string& dir() const noexcept { return dir_; }
    std::string path_of(const std::string& name) const { return dir_ + "/" + name + ".json"; }

    void save(const sandbox_record& r) const;
    std::optional<sandbox_record> find(const std::string& name) const;
    // Throws failure(not_found) with a hint.
    sandbox_record get(const std::string& name) const;
    bool remove(const std::string& name) const;
    std::vector<sandbox_record> list() const;  // sorted by name; unreadable records are skipped

private:
    std::string dir_;
};

}  // namespace wharf::cli
