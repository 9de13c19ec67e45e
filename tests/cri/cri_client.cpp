#include "cri_client.hpp"

#include <grpcpp/grpcpp.h>

#include "cri_api.grpc.pb.h"

namespace wharf::cri {

namespace v1 = ::runtime::v1;

error::error(std::string method, int code, const std::string& message)
    : std::runtime_error(method + ": gRPC status " + std::to_string(code) + ": " + message),
      method_(std::move(method)),
      code_(code) {}

struct client::impl {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<v1::RuntimeService::Stub> runtime;
    std::unique_ptr<v1::ImageService::Stub> images;
    std::chrono::milliseconds deadline;

    // One call: a fresh context with the deadline; a failed status throws, naming the method.
    template <typename Stub, typename Request, typename Response>
    Response call(const char* method, Stub& stub,
                  grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*), const Request& req) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + deadline);
        Response resp;
        grpc::Status st = (stub.*rpc)(&ctx, req, &resp);
        if (!st.ok()) throw error(method, static_cast<int>(st.error_code()), st.error_message());
        return resp;
    }
};

namespace {

v1::Protocol to_proto(proto p) {
    switch (p) {
        case proto::tcp: return v1::TCP;
        case proto::udp: return v1::UDP;
        case proto::sctp: return v1::SCTP;
    }
    return v1::TCP;
}

sandbox_state from_proto(v1::PodSandboxState s) {
    return s == v1::SANDBOX_READY ? sandbox_state::ready : sandbox_state::not_ready;
}

}  // namespace

client::client(const std::string& target, std::chrono::milliseconds deadline) : impl_(std::make_unique<impl>()) {
    impl_->channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    impl_->runtime = v1::RuntimeService::NewStub(impl_->channel);
    impl_->images = v1::ImageService::NewStub(impl_->channel);
    impl_->deadline = deadline;
}

client::~client() = default;
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

version_info client::version(const std::string& api_version) {
    v1::VersionRequest req;
    req.set_version(api_version);
    auto resp = impl_->call("Version", *impl_->runtime, &v1::RuntimeService::Stub::Version, req);
    return {resp.version(), resp.runtime_name(), resp.runtime_version(), resp.runtime_api_version()};
}

std::string client::run_pod_sandbox(const pod_config& config, const std::string& runtime_handler) {
    v1::RunPodSandboxRequest req;
    req.set_runtime_handler(runtime_handler);
    v1::PodSandboxConfig& c = *req.mutable_config();
    v1::PodSandboxMetadata& m = *c.mutable_metadata();
    m.set_name(config.name);
    m.set_uid(config.uid);
    m.set_namespace_(config.ns);
    m.set_attempt(config.attempt);
    c.set_hostname(config.hostname);
    c.set_log_directory(config.log_directory);
    for (const auto& pm : config.port_mappings) {
        v1::PortMapping& p = *c.add_port_mappings();
        p.set_protocol(to_proto(pm.protocol));
        p.set_container_port(pm.container_port);
        p.set_host_port(pm.host_port);
        p.set_host_ip(pm.host_ip);
    }
    c.mutable_labels()->insert(config.labels.begin(), config.labels.end());
    c.mutable_annotations()->insert(config.annotations.begin(), config.annotations.end());
    v1::LinuxPodSandboxConfig& linux_config = *c.mutable_linux();
    linux_config.set_cgroup_parent(config.cgroup_parent);
    // As kubelet sends for an ordinary pod: its own network, PID and IPC namespaces.
    v1::NamespaceOption& ns = *linux_config.mutable_security_context()->mutable_namespace_options();
    ns.set_network(v1::POD);
    ns.set_pid(v1::POD);
    ns.set_ipc(v1::POD);
    return impl_->call("RunPodSandbox", *impl_->runtime, &v1::RuntimeService::Stub::RunPodSandbox, req)
        .pod_sandbox_id();
}

void client::stop_pod_sandbox(const std::string& id) {
    v1::StopPodSandboxRequest req;
    req.set_pod_sandbox_id(id);
    impl_->call("StopPodSandbox", *impl_->runtime, &v1::RuntimeService::Stub::StopPodSandbox, req);
}

void client::remove_pod_sandbox(const std::string& id) {
    v1::RemovePodSandboxRequest req;
    req.set_pod_sandbox_id(id);
    impl_->call("RemovePodSandbox", *impl_->runtime, &v1::RuntimeService::Stub::RemovePodSandbox, req);
}

pod_status client::pod_sandbox_status(const std::string& id, bool verbose) {
    v1::PodSandboxStatusRequest req;
    req.set_pod_sandbox_id(id);
    req.set_verbose(verbose);
    auto resp = impl_->call("PodSandboxStatus", *impl_->runtime, &v1::RuntimeService::Stub::PodSandboxStatus, req);
    const v1::PodSandboxStatus& s = resp.status();
    pod_status out;
    out.id = s.id();
    out.name = s.metadata().name();
    out.uid = s.metadata().uid();
    out.ns = s.metadata().namespace_();
    out.state = from_proto(s.state());
    out.ip = s.network().ip();
    for (const auto& ip : s.network().additional_ips()) out.additional_ips.push_back(ip.ip());
    out.info.insert(resp.info().begin(), resp.info().end());
    return out;
}

std::vector<pod_summary> client::list_pod_sandbox() {
    v1::ListPodSandboxRequest req;
    auto resp = impl_->call("ListPodSandbox", *impl_->runtime, &v1::RuntimeService::Stub::ListPodSandbox, req);
    std::vector<pod_summary> out;
    for (const auto& item : resp.items()) out.push_back({item.id(), item.metadata().name(), from_proto(item.state())});
    return out;
}

std::vector<runtime_condition> client::status() {
    v1::StatusRequest req;
    auto resp = impl_->call("Status", *impl_->runtime, &v1::RuntimeService::Stub::Status, req);
    std::vector<runtime_condition> out;
    for (const auto& c : resp.status().conditions()) out.push_back({c.type(), c.status(), c.reason(), c.message()});
    return out;
}

std::optional<std::string> client::image_id(const std::string& image) {
    v1::ImageStatusRequest req;
    req.mutable_image()->set_image(image);
    auto resp = impl_->call("ImageStatus", *impl_->images, &v1::ImageService::Stub::ImageStatus, req);
    if (!resp.has_image() || resp.image().id().empty()) return std::nullopt;
    return resp.image().id();
}

}  // namespace wharf::cri
