#pragma once
// node_watch: the cluster's Nodes, kept current by a thread of its own. It lists them (paginated),
// then watches from the list's resourceVersion with bookmarks; a 410 Gone (the version was
// compacted away) relists and replaces the snapshot wholesale, so deletes missed meanwhile show;
// 5xx, 429 and transport errors back off exponentially with jitter (Retry-After honoured).
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "base/unique_fd.hpp"
#include "kube/client.hpp"
#include "kube/node.hpp"

namespace wharf::kube {

struct node_watch_options {
    std::chrono::seconds watch_timeout{300};  // timeoutSeconds of each watch request
    std::chrono::milliseconds backoff_initial{500}, backoff_max{30000};
    unsigned page_size = 500;  // limit of each list page
    client_options http;
};

class node_watch {
public:
    explicit node_watch(api_access access, node_watch_options options = {});
    // Stops the thread promptly (interrupts the request in progress) and joins it.
    ~node_watch();
    node_watch(const node_watch&) = delete;
    node_watch& operator=(const node_watch&) = delete;

    // An eventfd, readable when the snapshot changed for the network (see same_network) or was first
    // synced; the caller reads its 8 bytes.
    int changed_fd() const noexcept { return changed_.get(); }
    // The nodes by name.
    std::map<std::string, node> snapshot() const;
    // Whether a first list has completed.
    bool synced() const;
    // The resourceVersion the next watch starts from (advanced by events and bookmarks).
    std::string resource_version() const;

private:
    void run() noexcept;
    void list();
    void watch();
    // Handles one watch line; false ends the stream (410: relist).
    bool on_event(std::string_view line);
    void replace(std::map<std::string, node> nodes, std::string version);
    void signal() noexcept;
    // Waits `delay` or until stopped; false when stopped.
    bool pause(std::chrono::milliseconds delay);

    node_watch_options options_;
    client api_;
    unique_fd changed_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::map<std::string, node> nodes_;
    std::string version_;
    bool synced_ = false;
    bool need_relist_ = true;  // these two belong to the thread alone
    bool heard_ = false;       // the current watch delivered a line
    std::thread thread_;
};

}  // namespace wharf::kube
