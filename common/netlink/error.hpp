#pragma once
// netlink::error: the kernel refused a netlink request. Keeps errno (compare code_value() with EEXIST,
// ENODEV, ...), the operation and object ("create veth \"v1\"/\"eth0\"") and the kernel's extended-ACK
// sentence, if it sent one; what() reads as os_error's: `<operation>: <strerror> (kernel: "<extack>")`.
#include <string>

#include "base/os_error.hpp"

namespace wharf::netlink {

class error : public os_error {
public:
    // `err` is a positive errno value.
    error(int err, const std::string& operation, std::string extack = {}) : os_error(err, operation, std::move(extack)) {}

    const std::string& extack() const noexcept { return detail(); }
};

}  // namespace wharf::netlink
