#pragma once
// os_error: a failed system or kernel call, keeping errno, the operation and the object it acted on,
// and (for netlink) the kernel's own explanation.
#include <string>
#include <system_error>

namespace wharf {

class os_error : public std::system_error {
public:
    // what() reads "<operation>: <strerror>", plus ` (kernel: "<detail>")` when a detail is given.
    os_error(int err, const std::string& operation, std::string detail = {});
    const char* what() const noexcept override { return message_.c_str(); }
    int code_value() const noexcept { return code().value(); }
    const std::string& operation() const noexcept { return operation_; }
    // The kernel's extended-ACK message or other detail; empty when there is none.
    const std::string& detail() const noexcept { return detail_; }

private:
    std::string operation_;
    std::string detail_;
    std::string message_;
};

// Throws os_error for the current errno.
[[noreturn]] void throw_errno(const std::string& operation);

}  // namespace wharf
