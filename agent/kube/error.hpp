#pragma once
// What a request to the API server can fail with: the server's answer (api_error), or no answer at
// all (transport_error, with libcurl's message), or the client being interrupted on shutdown.
#include <chrono>
#include <stdexcept>
#include <string>

namespace wharf::kube {

// The server answered with an HTTP error status; message() is the Status object's message when the
// body held one, else the body itself (shortened).
class api_error : public std::runtime_error {
public:
    api_error(long status, std::string message, std::chrono::seconds retry_after = std::chrono::seconds(0));
    long status() const noexcept { return status_; }
    const std::string& message() const noexcept { return message_; }
    // The Retry-After header of a 429 or 503, 0 when there was none.
    std::chrono::seconds retry_after() const noexcept { return retry_after_; }

private:
    long status_;
    std::string message_;
    std::chrono::seconds retry_after_;
};

// No HTTP answer: connection refused, TLS verification failed, timeout...; what() holds curl's message.
struct transport_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The request was stopped by client::interrupt().
struct interrupted : std::runtime_error {
    interrupted() : std::runtime_error("request interrupted") {}
};

}  // namespace wharf::kube
