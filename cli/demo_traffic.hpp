#pragma once
// Real traffic for `wharf demo`, without python or curl: a tiny HTTP responder running inside a
// network namespace (a forked child that enters it), and an HTTP GET made from inside any namespace
// (the socket is opened there, then used from here). Each reply names who answered and the source
// address the responder saw, which is how the demo shows masquerade.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace wharf::cli {

class http_responder {
public:
    // Listens on 0.0.0.0:`port` inside `netns_path` (empty: here) and answers every GET with
    // "<greeting>; you came from <source address>". Returns once it is listening.
    http_responder(const std::string& netns_path, std::uint16_t port, const std::string& greeting);
    ~http_responder();
    http_responder(const http_responder&) = delete;
    http_responder& operator=(const http_responder&) = delete;

private:
    pid_t pid_ = -1;
};

struct http_outcome {
    bool ok = false;
    std::string body;   // the reply body when ok
    std::string error;  // why not, otherwise
};

// GET http://ip:port/ from inside `netns_path` (empty: here), giving up after `timeout_ms`.
http_outcome http_get(const std::string& netns_path, const std::string& ip, std::uint16_t port, int timeout_ms);

}  // namespace wharf::cli
