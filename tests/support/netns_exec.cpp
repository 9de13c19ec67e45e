#include "support/netns_exec.hpp"

#include <fcntl.h>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"

namespace wharf::test {

run_result run_plugin_in(const std::string& host_netns, const std::string& binary, const cni_call& call,
                         const std::string& stdin_data) {
    const std::string ns_path = "/run/netns/" + host_netns;
    unique_fd ns(::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) throw_errno("open " + ns_path);
    return run_plugin(binary, call, stdin_data, ns.get());
}

}  // namespace wharf::test
