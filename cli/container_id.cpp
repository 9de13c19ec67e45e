#include "cli/container_id.hpp"

#include <cstdio>

#include "cli/sha512.hpp"

namespace wharf::cli {

std::string container_id_for_netns(const std::string& absolute_netns_path) {
    const auto digest = sha512(absolute_netns_path);
    std::string id = "cnitool-";
    char hex[3];
    for (int i = 0; i < 10; ++i) {
        std::snprintf(hex, sizeof hex, "%02x", digest[i]);
        id += hex;
    }
    return id;
}

std::string container_id_for_sandbox(const std::string& sandbox_name) { return "wharf-" + sandbox_name; }

}  // namespace wharf::cli
