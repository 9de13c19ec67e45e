#pragma once
// A private temporary directory of small executable shell scripts (fake plugins, fake delegates),
// removed with everything in it when the object goes; and the check that none of them was left
// running or unreaped.
#include <string>

namespace wharf::test {

class script_dir {
public:
    script_dir();
    ~script_dir();
    script_dir(const script_dir&) = delete;
    script_dir& operator=(const script_dir&) = delete;

    const std::string& path() const { return path_; }
    // Writes <path>/<name> as "#!/bin/sh\n" + body with `mode`; returns its path.
    std::string add(const std::string& name, const std::string& body, unsigned mode = 0755) const;

private:
    std::string path_;
};

// True when this process has no child left, running or as a zombie.
bool no_child_left();

}  // namespace wharf::test
