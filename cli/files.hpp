#pragma once
// Small-file helpers for the runtime's own state (result cache, sandbox records).
#include <optional>
#include <string>
#include <string_view>

#include "sys/dirs.hpp"

namespace wharf::cli {

using sys::make_directories;  // mkdir -p

// The whole file, or nullopt when it does not exist. Throws failure naming the path otherwise.
std::optional<std::string> read_file_if_exists(const std::string& path);
// Writes a temp file next to `path`, then renames it over `path`: readers see old or new, never half.
void write_file_replacing(const std::string& path, std::string_view data, unsigned mode = 0600);
// false when it was not there.
bool remove_file_if_exists(const std::string& path);

}  // namespace wharf::cli
