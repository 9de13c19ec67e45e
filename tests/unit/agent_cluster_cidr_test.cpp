// --cluster-cidr as wharfd's Kubernetes mode reads it: one CIDR per family, host bits dropped, and
// the refusals naming the flag.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "cluster_agent.hpp"

using namespace wharf;

TEST_CASE("one CIDR per family, in the given order, host bits dropped") {
    const auto cidrs = agent::parse_cluster_cidrs("fd00:10:244::1/48,10.244.7.9/16");
    REQUIRE(cidrs.size() == 2);
    CHECK(cidrs[0].to_string() == "fd00:10:244::/48");
    CHECK(cidrs[1].to_string() == "10.244.0.0/16");
    CHECK(agent::parse_cluster_cidrs("10.244.0.0/16").size() == 1);
}

TEST_CASE("garbage, empty items and two CIDRs of one family are refused, naming the flag") {
    for (const char* bad : {"", "10.244.0.0", "10.244.0.0/16,", "10.244.0.0/16,10.245.0.0/16", "nonsense/8",
                            "fd00::/48,fd01::/48"}) {
        CAPTURE(bad);
        try {
            agent::parse_cluster_cidrs(bad);
            FAIL("accepted");
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).rfind("--cluster-cidr: ", 0) == 0);
        }
    }
}
