// A kubeconfig as wharfd --kubeconfig reads it (kube::parse_kubeconfig, yaml-cpp underneath): the
// current context, its cluster's server and CA, its user's token. Relative paths resolve against a
// directory that does not exist, so a tokenFile names nothing readable. Input: the file. Expected
// refusal: kube::config_error (YAML errors are turned into one).
#include "fuzz_input.hpp"
#include "kube/access.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto access = kube::parse_kubeconfig(std::string(fuzz::text(data, size)), "/nonexistent/wharf-fuzz/kubeconfig");
        if (access.server.rfind("https://", 0) != 0 || (access.token.empty() && access.token_file.empty())) __builtin_trap();
    } catch (const kube::config_error&) {
    }
    return 0;
}
