#pragma once
// client: HTTPS requests to the Kubernetes API server with a bearer token (libcurl). TLS peer and
// host verification are always on, against the configured CA (the system's CAs when none is given).
// On a 401 the token is re-read from token_file (when set) and the request tried once more.
// Requests may run from several threads at once; interrupt() is callable from any thread.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "kube/access.hpp"
#include "kube/error.hpp"

namespace wharf::kube {

struct client_options {
    std::chrono::milliseconds connect_timeout{5000};
    // Whole-request limit for get() and patch(); watch() takes its own.
    std::chrono::milliseconds request_timeout{30000};
};

struct http_response {
    long status = 0;
    std::string body;
};

class client {
public:
    explicit client(api_access access, client_options options = {});
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // `path` is the part after the server, e.g. "/api/v1/nodes?limit=500". A status >= 400 throws
    // api_error; no answer throws transport_error; interrupt() makes it throw interrupted.
    http_response get(const std::string& path);
    http_response patch(const std::string& path, const std::string& body, const std::string& content_type);

    // A streaming GET (a watch): `on_line` gets each line of the body as it arrives (without the
    // newline) and returns false to end the stream early. Returns when the server ends the stream
    // or on_line said stop; `timeout` bounds the whole stream (0: none). Errors as for get().
    void watch(const std::string& path, const std::function<bool(std::string_view line)>& on_line,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

    // Stops every request in progress, and makes every later one throw interrupted at once.
    void interrupt() noexcept;
    bool is_interrupted() const noexcept { return interrupted_.load(); }

    const std::string& server() const noexcept { return access_.server; }

private:
    struct request;
    http_response perform(request& r);
    http_response perform_once(request& r, const std::string& token);
    std::string current_token();

    api_access access_;
    client_options options_;
    std::mutex mutex_;           // guards access_.token and active_
    std::set<void*> active_;     // CURLM handles of requests in progress, woken by interrupt()
    std::atomic<bool> interrupted_{false};
};

}  // namespace wharf::kube
