// portmap's conditionsV4 / conditionsV6 strings: portmap::parse_conditions, then the matches appended
// to an nftables rule (portmap::apply). Input: '4' or '6' (the key), then one string per line.
// Expected refusal: cni::error.
#include "cni/error.hpp"
#include "conditions.hpp"
#include "fuzz_input.hpp"
#include "nft/family.hpp"

using namespace wharf;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto in = fuzz::text(data, size);
    if (in.empty()) return 0;
    bool v6 = in.front() == '6';
    in.remove_prefix(1);
    try {
        auto conds = portmap::parse_conditions(fuzz::lines(in), v6 ? net::family::v6 : net::family::v4,
                                               v6 ? "conditionsV6" : "conditionsV4");
        nft::rule r{nft::family::inet, "wharf_fuzz", "prerouting"};
        portmap::apply(r, conds);
    } catch (const cni::error&) {
    }
    return 0;
}
