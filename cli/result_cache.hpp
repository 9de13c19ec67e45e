#pragma once
// The result cache, in libcni's own format and place, so that libcni-based runtimes and `wharf`
// read each other's entries:
//   <cache_dir>/results/<network>-<containerID>-<ifname>
//   {"kind":"cniCacheV1","containerId","config":<base64 of the list's bytes>,"ifName","networkName",
//    "netns"?, "cniArgs"?, "capabilityArgs"?, "result"}
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "json/json.hpp"

namespace wharf::cli {

struct cache_entry {
    std::string container_id;
    std::string network;
    std::string ifname;
    std::string config;  // the list's bytes (decoded)
    std::string netns;
    std::vector<std::pair<std::string, std::string>> cni_args;
    nlohmann::json capability_args = nlohmann::json::object();
    nlohmann::json result;  // as the last plugin returned it
};

class result_cache {
public:
    explicit result_cache(std::string cache_dir) : dir_(std::move(cache_dir)) {}
    const std::string& dir() const noexcept { return dir_; }

    std::string path_of(const std::string& network, const std::string& container_id, const std::string& ifname) const;
    void store(const cache_entry& e) const;
    // nullopt when absent; also nullopt (like libcni) when the file is unreadable or not cniCacheV1.
    std::optional<cache_entry> load(const std::string& network, const std::string& container_id,
                                    const std::string& ifname) const;
    bool remove(const std::string& network, const std::string& container_id, const std::string& ifname) const;
    // Every valid entry, sorted by file name (libcni's GetCachedAttachments); `container_id` filters.
    std::vector<cache_entry> attachments(const std::string& container_id = {}) const;

private:
    std::string dir_;
};

nlohmann::json to_json(const cache_entry& e);
// nullopt when `j` is not a cniCacheV1 entry.
std::optional<cache_entry> cache_entry_from_json(const nlohmann::json& j);

}  // namespace wharf::cli
