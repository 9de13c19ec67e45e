#pragma once
// IPAM delegation: find the plugin named by ipam.type in CNI_PATH, run it (cni/invoke_*.hpp) with the
// caller's environment, CNI_COMMAND replaced, and the whole config on stdin, its stderr going to ours,
// and return its result or rethrow its error unchanged.
#include <string>

#include "cni/plugin_main.hpp"
#include "cni/result.hpp"
#include "sys/child_process.hpp"

namespace wharf::cni {

// The IPAM delegate's name, `ipam.type`; code 7 when it is missing or not a string.
std::string ipam_type(const net_conf& conf);

// Each runs ctx.conf.ipam["type"]. On failure the delegate's own error object is rethrown as
// cni::error; one that printed none is code 999 naming the type, the exit code and the start of its
// output.
result ipam_add(const context& ctx);
void ipam_del(const context& ctx);
void ipam_check(const context& ctx);
void ipam_status(const context& ctx);
void ipam_gc(const context& ctx);

// IPAM ADD started in the background: the delegate runs (a whole process start and its store's
// durable writes) while the caller works (the bridge creates the bridge and the veth pair); finish()
// collects its result. Errors are those of ipam_add. Destroying it waits for a delegate never waited for, so no
// zombie is left behind.
class pending_ipam {
public:
    // Finds ipam.type in CNI_PATH and starts it with CNI_COMMAND=ADD and the config on stdin.
    static pending_ipam start_add(const context& ctx);

    // Reads the delegate's answer and returns its result (in the newest model); throws its error.
    // A successful answer is returned as soon as the delegate closes its stdout, which may be
    // before it exits: call confirm() before relying on the result for good.
    result finish();
    // Waits for the delegate's exit; throws unless it exited 0.
    void confirm();

private:
    pending_ipam(std::string type, std::string version, sys::child_process delegate);

    std::string type_;
    std::string version_;
    sys::child_process delegate_;
};

}  // namespace wharf::cni
