#include "portmap.hpp"

int main() {
    using namespace wharf;
    return cni::plugin_main("portmap", {.add = portmap::add,
                                        .del = portmap::del,
                                        .check = portmap::check,
                                        .status = portmap::status,
                                        .gc = portmap::gc});
}
