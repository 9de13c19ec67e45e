#include "loopback.hpp"

int main() {
    using namespace wharf;
    return cni::plugin_main("loopback", {.add = loopback::add, .del = loopback::del, .check = loopback::check});
}
