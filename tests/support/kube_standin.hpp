#pragma once
// kube_standin: the stand-in Kubernetes API server of tests/kube/apiserver.py (HTTPS with a
// certificate made for it by the openssl CLI, a bearer token, Nodes only), run in a private
// directory, inside a network namespace when asked, and stopped by its PID on destruction. The test
// drives it (nodes, compaction, failures, token rotation) over its unix control socket.
#include "json/json.hpp"  // whole: callers build nodes and read counters with it

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kube/access.hpp"
#include "support/background_process.hpp"

namespace wharf::test {

struct kube_standin_options {
    std::string address = "127.0.0.1";
    std::string netns_path;               // run the server inside this netns (e.g. /run/netns/x) when set
    std::vector<std::string> extra_ips;   // more IP SANs of its certificate
    unsigned port = 0;                    // 0: a free one
    std::chrono::milliseconds bookmark_interval{1000};
};

class kube_standin {
public:
    explicit kube_standin(kube_standin_options options = {});
    ~kube_standin();  // stops the process by its PID and removes its directory
    kube_standin(const kube_standin&) = delete;
    kube_standin& operator=(const kube_standin&) = delete;

    // A kubeconfig written for it: server, certificate-authority-data, token and tokenFile.
    std::string kubeconfig() const;
    // Its server, CA file, current token and token file (re-read on 401 after rotate_token()).
    kube::api_access access() const;
    std::string server() const { return server_; }
    unsigned port() const { return port_; }
    // The directory holding ca.crt, token, kubeconfig and server.log.
    const std::string& dir() const { return dir_; }

    void put_node(const nlohmann::json& node);
    void put_nodes(const nlohmann::json& array);
    void delete_node(const std::string& name);
    // Every resourceVersion known so far becomes too old: watches from one get 410 Gone (open ones as
    // an ERROR event), and so do continue tokens.
    void compact();
    void close_watches();
    // While held, open watches send nothing (events wait); released, they catch up.
    void hold_watches(bool on);
    // The next `count` API requests answer `status` (429 and 503 with Retry-After: 1).
    void fail_next(unsigned count, int status);
    // A node's status.conditions (an empty array when it has none or does not exist).
    nlohmann::json conditions(const std::string& node);
    // lists, list_pages, watches, gets, patches, unauthorized, injected_failures, bookmarks, gone, ...
    nlohmann::json counters();
    // The server's current resourceVersion.
    std::string resource_version();
    // Moves the resourceVersion on without a Node event, as writes to other resources do.
    std::string advance(unsigned by = 1);
    // A new token on the server and in the token file; the old one gets 401.
    void rotate_token();

    // A Node object: spec.podCIDRs (and podCIDR, the first) and InternalIP addresses.
    static nlohmann::json make_node(const std::string& name, std::vector<std::string> cidrs, std::vector<std::string> ips);

private:
    nlohmann::json control(const nlohmann::json& command);

    std::string dir_;
    std::string server_;
    unsigned port_ = 0;
    std::unique_ptr<background_process> process_;
};

}  // namespace wharf::test
