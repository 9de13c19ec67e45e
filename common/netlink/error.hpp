#pragma once
// netlink::error: the kernel refused a netlink request. Keeps errno (compare code_value() with EEXIST,
// ENODEV, ...), the operation and object ("create veth \"v1\"/\"eth0\"") and the kernel's extended-ACK
// sentence, if it sent one.
#include <string>

#include "base/os_error.hpp"

namespace wharf::netlink {

class error : public os_error {
public:
    // `err` is a positive errno value.
    error(int err, const std::string& operation, std::string extack = {});

    // Reads `<operation>: <strerror>` plus ` (kernel: "<extack>")` when the kernel explained itself.
    const char* what() const noexcept override { return message_.c_str(); }
    const std::string& extack() const noexcept { return detail(); }

private:
    std::string message_;
};

}  // namespace wharf::netlink
