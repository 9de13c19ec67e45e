// The runtime's CNI_* environment, CNI_ARGS above all: cni::read_request, then the reference's rule for
// unknown CNI_ARGS keys (cni::check_known_args) and a key lookup. Input: NAME=value lines, the
// environment the plugin sees. Expected refusal: cni::error.
#include <map>

#include "cni/env.hpp"
#include "cni/error.hpp"
#include "fuzz_input.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::map<std::string, std::string, std::less<>> env;
    for (const auto& line : fuzz::lines(fuzz::text(data, size))) {
        auto eq = line.find('=');
        if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    auto lookup = [&](const char* name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
    };
    try {
        auto req = cni::read_request(lookup);
        (void)req.arg("IP");
        cni::check_known_args(req, {"IP", "MAC", "K8S_POD_NAME"});
    } catch (const cni::error&) {
    }
    return 0;
}
