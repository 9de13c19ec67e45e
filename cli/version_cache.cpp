#include "cli/version_cache.hpp"

#include <utility>

#include "cli/files.hpp"
#include "log/logging.hpp"

namespace wharf::cli {

namespace {

using nlohmann::json;

json identity(const struct stat& st) {
    return {{"dev", static_cast<std::uint64_t>(st.st_dev)},
            {"ino", static_cast<std::uint64_t>(st.st_ino)},
            {"size", static_cast<std::int64_t>(st.st_size)},
            {"mtime", static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec}};
}

}  // namespace

version_cache::version_cache(std::string cache_dir)
    : dir_(std::move(cache_dir) + "/wharf"), path_(dir_ + "/plugin-versions.json") {}

void version_cache::load() {
    if (loaded_) return;
    loaded_ = true;
    try {
        if (auto data = read_file_if_exists(path_)) {
            json doc = json::parse(*data, nullptr, false);
            if (doc.is_object()) entries_ = std::move(doc);
        }
    } catch (const std::exception& e) {
        log::debug("plugin version cache {} unreadable: {}", path_, e.what());
    }
}

std::optional<std::vector<std::string>> version_cache::find(const std::string& binary, const struct stat& st) {
    load();
    auto it = entries_.find(binary);
    if (it == entries_.end() || !it->is_object() || it->value("file", json()) != identity(st)) return std::nullopt;
    auto versions = it->find("versions");
    if (versions == it->end() || !versions->is_array()) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& v : *versions) {
        if (!v.is_string()) return std::nullopt;
        out.push_back(v.get<std::string>());
    }
    return out;
}

void version_cache::store(const std::string& binary, const struct stat& st, const std::vector<std::string>& versions) {
    load();
    entries_[binary] = {{"file", identity(st)}, {"versions", versions}};
    try {
        make_directories(dir_, 0700);
        write_file_replacing(path_, entries_.dump(), 0600);
    } catch (const std::exception& e) {
        log::debug("plugin version cache {} not written: {}", path_, e.what());
    }
}

}  // namespace wharf::cli
