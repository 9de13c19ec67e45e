#include "commands.hpp"

int main() {
    using namespace wharf;
    return cni::plugin_main("tuning", {.add = tuning::add,
                                       .del = tuning::del,
                                       .check = tuning::check,
                                       .status = tuning::status,
                                       .gc = tuning::gc});
}
