#include "firewall.hpp"

int main() {
    using namespace wharf;
    return cni::plugin_main("firewall", {.add = firewall::add,
                                         .del = firewall::del,
                                         .check = firewall::check,
                                         .status = firewall::status,
                                         .gc = firewall::gc});
}
