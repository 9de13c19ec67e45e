#pragma once
// A private containerd for one test, with its CRI plugin set up as a Kubernetes node runs it, but
// confined: root, state, sockets, runc's state, the CNI config and the pods' netns mounts all live in
// one temp dir (/tmp/wharf-cri-<pid>-XXXXXX), and containerd runs inside a throwaway network namespace
// that stands for the host, so the plugins it execs change only that namespace.
//
// On every path the destructor stops containerd by its PID, kills by PID the shims it started (found in
// /proc by the socket they serve: containerd 1.6's shim writes no pid file) and the pause processes
// (init.pid in each bundle, checked in /proc first), unmounts what is left under the dir, removes the
// pods' cgroup parent and the dir.
//
// Two paths outside the dir cannot be moved in containerd 1.6: the shims' sockets (/run/containerd/s/,
// named by a hash of this instance's socket) and libcni's result cache (/var/lib/cni/results/, one file
// per attachment, removed by its DEL). The destructor removes those directories when it made them.
#include <sys/types.h>

#include <string>
#include <vector>

#include "cri_client.hpp"

namespace wharf::test {

struct containerd_options {
    std::string host_netns;   // path of the namespace containerd and every plugin run in
    std::string cni_bin_dir;  // where containerd finds bridge, host-local, portmap and loopback
    std::string snapshotter = "overlayfs";
};

class containerd_instance {
public:
    // Makes the dir and writes containerd's config; start() runs it.
    explicit containerd_instance(containerd_options options);
    ~containerd_instance();
    containerd_instance(const containerd_instance&) = delete;
    containerd_instance& operator=(const containerd_instance&) = delete;

    // Puts `text` into the CNI conf dir as `file_name` (the dir holds nothing else).
    void write_cni_config(const std::string& file_name, const std::string& text);
    // Starts containerd and returns once CRI reports RuntimeReady and NetworkReady and has the pause
    // image (imported with ctr on the first start). Throws with the log's tail if it does not come up.
    void start();
    // SIGTERM to containerd's PID, then waits (SIGKILL after 10 s). Shims and pods keep running.
    void stop();
    bool running() const { return pid_ > 0; }

    const std::string& dir() const { return dir_; }
    std::string endpoint() const { return "unix://" + dir_ + "/containerd.sock"; }
    std::string sandbox_image() const;
    // The cgroupfs parent to give pods (kubelet's would be /kubepods/...); removed on destruction.
    const std::string& cgroup_parent() const { return cgroup_parent_; }
    pid_t pid() const { return pid_; }
    // containerd's log (stdout and stderr) so far.
    std::string log() const;
    // The shims of this instance that are alive.
    std::vector<pid_t> live_shims() const;
    // Mount points under dir() (pods' netns files, rootfs overlays), from /proc/self/mountinfo.
    std::vector<std::string> mounts() const;

private:
    void write_config() const;
    void wait_ready();
    void cleanup() noexcept;

    containerd_options options_;
    std::string dir_;
    std::string cgroup_parent_;
    pid_t pid_ = -1;
    bool imported_ = false;
    bool run_containerd_existed_ = false;  // whether /run/containerd was there before the shims made it
    bool var_lib_cni_existed_ = false;     // likewise for libcni's cache, /var/lib/cni/results
};

}  // namespace wharf::test
