#pragma once
// worker: a thread of the agent's that runs a poll loop until told to stop. The loop polls stop_fd()
// with its own descriptors and returns when it becomes readable; the destructor makes it readable
// and joins the thread.
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <thread>

#include "base/os_error.hpp"
#include "base/unique_fd.hpp"
#include "log/logging.hpp"

namespace wharf::agent {

class worker {
public:
    worker() : stop_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
        if (!stop_) throw_errno("eventfd");
    }
    ~worker() {
        const std::uint64_t one = 1;
        if (::write(stop_.get(), &one, sizeof one) < 0) log::error("cannot stop a thread: {}", std::strerror(errno));
        if (thread_.joinable()) thread_.join();
    }
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    void start(std::function<void()> loop) { thread_ = std::thread(std::move(loop)); }
    int stop_fd() const noexcept { return stop_.get(); }

private:
    unique_fd stop_;
    std::thread thread_;
};

}  // namespace wharf::agent
