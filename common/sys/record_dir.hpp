#pragma once
// record_dir: one small file per attachment, named by its owner tag, in a directory of a plugin's
// shared state (<run dir>/<owner>/<host netns inode>/<name>/): what an attachment's ADD made, so that
// DEL, GC and repair need neither prevResult nor the runtime. Each file is written whole or not at all
// (sys::write_file_atomic); on the run directory's tmpfs, like the rules they describe, nothing is
// fsynced. Callers hold the shared state's lock as its protocol says.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sys/shared_state.hpp"

namespace wharf::sys {

class record_dir {
public:
    record_dir(const shared_state& state, std::string name) : path_(state.path() + "/" + name) {}
    explicit record_dir(std::string path) : path_(std::move(path)) {}

    void save(const std::string& tag, const std::string& text) const;
    // The record's text, or nullopt when `tag` has none.
    std::optional<std::string> load(const std::string& tag) const;
    void drop(const std::string& tag) const;
    // The tags that have a record, sorted.
    std::vector<std::string> tags() const;

    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

}  // namespace wharf::sys
