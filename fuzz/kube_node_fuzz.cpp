// A Node object as the API server sends it in a list or a watch event (kube::parse_node): name, uid,
// resourceVersion, spec.podCIDRs (or spec.podCIDR), status.addresses' InternalIPs. What it accepts
// must compare the same with itself (kube::same_network). Input: the JSON. Expected refusals: a
// JSON parse error, std::invalid_argument (no metadata.name).
#include <stdexcept>

#include "fuzz_input.hpp"
#include "json/json.hpp"
#include "kube/node.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto doc = nlohmann::json::parse(fuzz::text(data, size), nullptr, false);
    if (doc.is_discarded()) return 0;
    try {
        const kube::node n = kube::parse_node(doc);
        if (n.name.empty() || !kube::same_network(n, n)) __builtin_trap();
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
