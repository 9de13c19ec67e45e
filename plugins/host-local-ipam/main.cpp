// host-local: the IPAM plugin. All logic lives in host_local_lib; this only wires it to plugin_main.
#include "cni/plugin_main.hpp"
#include "host_local.hpp"

#ifdef WHARF_TEST_HOOKS
#include <csignal>
#include <cstdlib>
#include <string>
#endif

int main() {
    wharf::ipam::plugin_options opts;
#ifdef WHARF_TEST_HOOKS
    // Only the test build (host-local-testhooks, never installed) honours this: WHARF_TEST_KILL_AT=<step>
    // kills the process with SIGKILL when it reaches that step, to test recovery from a crash there.
    if (const char* at = std::getenv("WHARF_TEST_KILL_AT")) {
        opts.on_step = [target = std::string(at)](std::string_view step) {
            if (step == target) ::raise(SIGKILL);
        };
    }
#endif
    return wharf::cni::plugin_main("host-local", wharf::ipam::make_handlers(opts));
}
