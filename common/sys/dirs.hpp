#pragma once
// Directories: where Wharf keeps its runtime state, and mkdir -p.
#include <string>
#include <vector>

namespace wharf::sys {

// Where Wharf keeps runtime state (attachment records and their locks): $WHARF_RUN_DIR when set and
// not empty, else /run/wharf. A tmpfs in /run starts empty at boot, as the kernel state it describes.
std::string run_dir();

// mkdir -p: creates `path` and its missing parents with `mode`; existing directories are fine.
// Throws os_error naming the directory that could not be made.
void make_directories(const std::string& path, unsigned mode = 0700);

// The names in the directory open as `dir_fd` (without "." and ".."), sorted; `dir_path` names it in
// errors. Reads through its own descriptor, so `dir_fd` is left as it was.
std::vector<std::string> list_names(int dir_fd, const std::string& dir_path);

}  // namespace wharf::sys
