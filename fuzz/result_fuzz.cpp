// A plugin's result (prevResult, a delegate's answer) in the JSON shape of a spec version:
// cni::result_from_json. Input: the version on the first line, then the JSON. What parses must render
// in every supported version's shape and read back from it (a rendering Wharf writes must be one it
// reads). Expected refusal: cni::error.
#include <cstdlib>

#include "cni/error.hpp"
#include "cni/result.hpp"
#include "cni/version.hpp"
#include "fuzz_input.hpp"
#include "json/json.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto in = fuzz::text(data, size);
    auto nl = in.find('\n');
    if (nl == std::string_view::npos) return 0;
    std::string version(in.substr(0, nl));
    if (!cni::is_supported_version(version)) return 0;
    auto j = nlohmann::json::parse(in.substr(nl + 1), nullptr, false);
    if (j.is_discarded()) return 0;
    cni::result r;
    try {
        r = cni::result_from_json(j, version);
    } catch (const cni::error&) {
        return 0;
    }
    for (auto v : cni::supported_versions) {
        auto again = cni::result_from_json(cni::to_json(r, v), v);  // throws (a finding) if unreadable
        if (v == cni::latest_version && !(again == r)) std::abort();
    }
    return 0;
}
