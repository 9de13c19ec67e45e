// The main of every test executable. Plugins keep runtime state under WHARF_RUN_DIR (attachment
// records, locks): each test process gets a private one, inherited by every plugin, runtime and
// containerd it starts, and removed when the tests end, so no run leaves files in /run/wharf.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <stdlib.h>

#include <string>

int main(int argc, char** argv) {
    char run_dir[] = "/tmp/wharf-test-run-XXXXXX";
    const bool own_run_dir = !getenv("WHARF_RUN_DIR") && mkdtemp(run_dir) != nullptr;
    if (own_run_dir) setenv("WHARF_RUN_DIR", run_dir, 1);
    const int rc = doctest::Context(argc, argv).run();
    if (own_run_dir) {
        const std::string rm = "rm -rf '" + std::string(run_dir) + "'";
        if (system(rm.c_str()) != 0) return rc == 0 ? 1 : rc;
    }
    return rc;
}
