#pragma once
// A small client of the Kubernetes CRI (runtime.v1) for tests: the calls kubelet makes to run, inspect,
// stop and remove pod sandboxes, over gRPC to a runtime's unix socket. The gRPC and protobuf types stay
// in cri_client.cpp, so a test includes only this header.
//
//   wharf::cri::client c{"unix:///tmp/x/containerd.sock"};
//   std::string id = c.run_pod_sandbox({.name = "web", .uid = "u1", .ns = "default",
//                                       .port_mappings = {{.host_port = 18301, .container_port = 80}}});
//   c.stop_pod_sandbox(id);
//   c.remove_pod_sandbox(id);
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace wharf::cri {

// A failed RPC: the method, gRPC's status code (grpc::StatusCode as a number) and the runtime's message.
class error : public std::runtime_error {
public:
    error(std::string method, int code, const std::string& message);
    const std::string& method() const noexcept { return method_; }
    int code() const noexcept { return code_; }

private:
    std::string method_;
    int code_;
};

enum class proto { tcp, udp, sctp };

struct port_mapping {
    int host_port = 0;
    int container_port = 0;
    proto protocol = proto::tcp;
    std::string host_ip;  // empty: every address
};

// What kubelet puts in a PodSandboxConfig, less DNS and security settings.
struct pod_config {
    std::string name;
    std::string uid;
    std::string ns = "default";  // the pod's Kubernetes namespace
    unsigned attempt = 0;
    std::string hostname;
    std::string log_directory;
    std::vector<port_mapping> port_mappings;
    std::string cgroup_parent;  // cgroupfs style, e.g. "/kubepods/pod<uid>"
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> annotations;
};

enum class sandbox_state { ready, not_ready };

struct version_info {
    std::string version;
    std::string runtime_name;
    std::string runtime_version;
    std::string runtime_api_version;
};

struct pod_status {
    std::string id;
    std::string name;
    std::string uid;
    std::string ns;
    sandbox_state state = sandbox_state::not_ready;
    std::string ip;  // empty when the pod has no network
    std::vector<std::string> additional_ips;
    std::map<std::string, std::string> info;  // verbose only; containerd's JSON is under "info"
};

struct pod_summary {
    std::string id;
    std::string name;
    sandbox_state state = sandbox_state::not_ready;
};

struct runtime_condition {
    std::string type;  // "RuntimeReady", "NetworkReady"
    bool status = false;
    std::string reason;
    std::string message;
};

class client {
public:
    // `target` is a gRPC target such as "unix:///run/containerd/containerd.sock". Each call waits at
    // most `deadline`.
    explicit client(const std::string& target, std::chrono::milliseconds deadline = std::chrono::seconds(60));
    ~client();
    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    version_info version(const std::string& api_version = "v1");
    std::string run_pod_sandbox(const pod_config& config, const std::string& runtime_handler = {});
    void stop_pod_sandbox(const std::string& id);
    void remove_pod_sandbox(const std::string& id);
    pod_status pod_sandbox_status(const std::string& id, bool verbose = false);
    std::vector<pod_summary> list_pod_sandbox();
    std::vector<runtime_condition> status();
    // The image's ID when the runtime has `image` (a reference), nullopt when it has not.
    std::optional<std::string> image_id(const std::string& image);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace wharf::cri
