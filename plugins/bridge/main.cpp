#include <csignal>

#include "commands.hpp"

int main() {
    using namespace wharf;
    // A delegate that exits before reading all of its stdin must not kill us with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    return cni::plugin_main("bridge", {.add = bridge::add,
                                       .del = bridge::del,
                                       .check = bridge::check,
                                       .status = bridge::status,
                                       .gc = bridge::gc});
}
