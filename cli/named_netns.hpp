#pragma once
// Named network namespaces, made the way iproute2's `ip netns add` makes them and without running it:
// the directory (/run/netns) is made a shared mount point (bind-mounted onto itself first if it is not
// a mount point), an empty file is created for the name, and a thread that has unshared its network
// namespace bind-mounts /proc/thread-self/ns/net onto that file. Removing unmounts (MNT_DETACH) and
// unlinks: the namespace lives on only while something still uses it.
#include <string>
#include <vector>

namespace wharf::cli {

class named_netns_dir {
public:
    explicit named_netns_dir(std::string dir) : dir_(std::move(dir)) {}
    const std::string& dir() const noexcept { return dir_; }
    std::string path_of(const std::string& name) const { return dir_ + "/" + name; }

    // Throws failure(already_exists) if the name is taken, failure(usage) for a bad name.
    std::string create(const std::string& name) const;
    // false when there was no such namespace.
    bool remove(const std::string& name) const;
    bool exists(const std::string& name) const;
    std::vector<std::string> list() const;

private:
    void ensure_dir() const;
    std::string dir_;
};

// A sandbox or namespace name: letters, digits, '_', '.', '-', starting with a letter or digit,
// at most 64 bytes. Returns why not, or empty.
std::string sandbox_name_problem(const std::string& name);

}  // namespace wharf::cli
