#pragma once
// A private directory under /tmp ("/tmp/<stem>-XXXXXX"), removed with everything in it when the
// object goes.
#include <string>

namespace wharf::test {

class temp_dir {
public:
    explicit temp_dir(const std::string& stem = "wharf-test");
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace wharf::test
