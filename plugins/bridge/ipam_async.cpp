#include "ipam_async.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "base/os_error.hpp"
#include "cni/error.hpp"
#include "cni/ipam_exec.hpp"
#include "cni/json_field.hpp"
#include "log/logging.hpp"
#include "sys/child_process.hpp"

namespace wharf::bridge {

namespace {

// Writes what the pipe takes without blocking; returns the new count written.
std::size_t write_some(int fd, const std::string& data, std::size_t done) {
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break;  // EAGAIN (pipe full) or the child closed its stdin (EPIPE)
        }
    }
    return done;
}

}  // namespace

pending_ipam::pending_ipam(std::string type, std::string version, pid_t pid, unique_fd to_child, unique_fd from_child,
                           std::string input)
    : type_(std::move(type)), version_(std::move(version)), pid_(pid), to_child_(std::move(to_child)),
      from_child_(std::move(from_child)), input_(std::move(input)) {}

pending_ipam::pending_ipam(pending_ipam&& o) noexcept
    : type_(std::move(o.type_)), version_(std::move(o.version_)), pid_(std::exchange(o.pid_, -1)),
      to_child_(std::move(o.to_child_)), from_child_(std::move(o.from_child_)), input_(std::move(o.input_)),
      written_(o.written_) {}

pending_ipam::~pending_ipam() {
    if (pid_ < 0) return;
    to_child_.reset();
    from_child_.reset();
    wait_exit();
}

int pending_ipam::wait_exit() noexcept {
    return sys::wait_exit_code(std::exchange(pid_, -1));
}

pending_ipam pending_ipam::start_add(const cni::context& ctx) {
    std::string type = cni::ipam_type(ctx.conf);
    std::string binary = cni::find_plugin(type, ctx.req.path);

    sys::piped_child child = sys::spawn_piped(binary, cni::delegate_environment(cni::command::add));
    pid_t pid = child.pid;
    unique_fd in_write = std::move(child.to_child), out_read = std::move(child.from_child);

    ::fcntl(in_write.get(), F_SETFL, O_NONBLOCK);
    pending_ipam p(std::move(type), ctx.conf.cni_version, pid, std::move(in_write), std::move(out_read), ctx.stdin_data);
    p.written_ = write_some(p.to_child_.get(), p.input_, 0);
    if (p.written_ == p.input_.size()) p.to_child_.reset();
    return p;
}

cni::result pending_ipam::finish() {
    std::string out;
    while (from_child_) {
        pollfd fds[2] = {{from_child_.get(), POLLIN, 0}, {to_child_.get(), POLLOUT, 0}};
        if (::poll(fds, to_child_ ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll IPAM plugin " + type_);
        }
        if (to_child_ && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            written_ = write_some(to_child_.get(), input_, written_);
            if (written_ == input_.size() || (fds[1].revents & (POLLERR | POLLHUP))) to_child_.reset();
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[16384];
            ssize_t n = ::read(from_child_.get(), buf, sizeof buf);
            if (n > 0) out.append(buf, static_cast<std::size_t>(n));
            else if (n == 0 || (errno != EINTR && errno != EAGAIN)) from_child_.reset();
        }
    }
    to_child_.reset();
    auto doc = nlohmann::json::parse(out, nullptr, false);
    // Our delegates close stdout as soon as they have answered, before they are torn down: a result
    // is used right away and the exit status collected by confirm(), when the ADD is otherwise done.
    const bool looks_successful = doc.is_object() && !cni::find_field(doc, "code");
    if (looks_successful) return cni::delegate_result(doc, version_);
    int exit_code = wait_exit();
    log::debug("IPAM {} ADD exited {}", type_, exit_code);
    if (exit_code != 0) cni::rethrow_delegate_error(type_, {.exit_code = exit_code, .out = out});
    if (!doc.is_object())
        throw cni::error(cni::code::decoding_failure, "IPAM plugin " + type_ + " returned no valid result", out.substr(0, 500));
    throw cni::error(cni::code::internal, "IPAM plugin " + type_ + " exited 0 with an error object", out.substr(0, 500));
}

void pending_ipam::confirm() {
    if (pid_ < 0) return;
    int exit_code = wait_exit();
    log::debug("IPAM {} ADD exited {}", type_, exit_code);
    if (exit_code != 0)
        throw cni::error(cni::code::internal,
                         "IPAM plugin " + type_ + " printed a result but failed with exit code " + std::to_string(exit_code));
}

}  // namespace wharf::bridge
