#pragma once
// version_cache: the plugins' VERSION answers, kept on disk beside the result cache
// (<cache_dir>/wharf/plugin-versions.json) and trusted while the binary is the same file, unchanged
// (device, inode, size and modification time). A chain then costs one stat per plugin instead of
// one process start (a loopback + bridge + portmap chain asked three; docs/costs.md). Replacing a
// plugin binary (install, upgrade) changes its inode or mtime, so the next call asks it again.
// Best effort throughout: an unreadable or corrupt file is a miss, a failed write only a log line.
#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "json/json.hpp"

namespace wharf::cli {

class version_cache {
public:
    explicit version_cache(std::string cache_dir);

    std::optional<std::vector<std::string>> find(const std::string& binary, const struct stat& st);
    void store(const std::string& binary, const struct stat& st, const std::vector<std::string>& versions);

    const std::string& path() const noexcept { return path_; }

private:
    void load();

    std::string dir_;
    std::string path_;
    bool loaded_ = false;
    nlohmann::json entries_ = nlohmann::json::object();
};

}  // namespace wharf::cli
