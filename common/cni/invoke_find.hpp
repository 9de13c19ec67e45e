#pragma once
// Finding a plugin binary in CNI_PATH, as libcni's FindInPath does (pkg/invoke/find.go): the first
// directory, in order, that holds a regular file of that name; here also one we may execute, so that
// a stray non-executable file does not hide the plugin a later directory holds. Callers say what a
// miss means (a CNI error for a delegate, an exit code for the wharf runtime).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::cni {

// A plugin type names a file in a directory: not empty, no '/', not "." or "..".
bool is_plugin_name(std::string_view type) noexcept;

// "<dir>/<type>" for the first directory of `path` where that is an executable regular file; nullopt
// when there is none or `type` is not a plugin name.
std::optional<std::string> find_in_path(std::string_view type, const std::vector<std::string>& path);

}  // namespace wharf::cni
