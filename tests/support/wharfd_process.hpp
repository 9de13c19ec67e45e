#pragma once
// wharfd as a test runs it: started inside the test's host namespace, with the test's private
// WHARF_RUN_DIR (inherited), its log and (unless the test names one) its --ipam-dir in a private
// directory; the constructor waits (REQUIREs)
// until it serves. Stopped by its PID on every path (background_process).
#include <string>
#include <vector>

#include "support/background_process.hpp"
#include "support/temp_dir.hpp"

namespace wharf::test {

class wharfd_process {
public:
    explicit wharfd_process(const std::string& host_netns_path, const std::vector<std::string>& extra_args = {});

    std::string log() const;  // everything it wrote so far
    const std::string& dir() const { return dir_.path(); }
    background_process& process() { return process_; }

private:
    temp_dir dir_{"wharfd-test"};
    std::string log_path_;
    background_process process_;
};

}  // namespace wharf::test
