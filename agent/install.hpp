#pragma once
// Installing Wharf's plugins on a node: wharfd copies the plugin binaries that sit beside it into the
// runtime's plugin directory (--cni-bin-dir), each only when its bytes differ, each atomically (a temp
// file in the target directory, fsync, mode 0755, rename, fsync of the directory), so that a runtime
// exec'ing a plugin during the copy runs either the old binary or the new one, never a torn file.
#include <string>
#include <vector>

namespace wharf::agent {

struct install_report {
    std::vector<std::string> installed;  // written (absent or different before)
    std::vector<std::string> unchanged;  // already there with the same bytes and mode 0755
};

// The plugins wharfd installs: all of these must be in the source directory.
const std::vector<std::string>& required_plugins();
// And these when present there.
const std::vector<std::string>& optional_plugins();

// The directory of the running executable (/proc/self/exe's), where a build or a package puts the
// plugins beside wharfd.
std::string own_directory();

// Copies the plugins from `source_dir` into `target_dir` (made when missing). Throws os_error naming
// the file for a missing required plugin or a failed read or write; what was installed before the
// failure stays installed (each file is whole on its own).
install_report install_plugins(const std::string& source_dir, const std::string& target_dir);

}  // namespace wharf::agent
