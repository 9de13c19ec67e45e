#pragma once
// nft::error: a failed nftables command or transaction. Each failure names the command (as nft
// would print it: `add rule inet wharf_nat postrouting`), its errno and the kernel's extack text.
// code() is the first failure's errno, so a caller can test for ENOENT or EEXIST; extack() is the
// first failure's kernel text. A netlink::error too: the kernel refused what was sent.
#include <cstdint>
#include <string>
#include <vector>

#include "netlink/error.hpp"

namespace wharf::nft {

struct failure {
    std::uint32_t seq = 0;       // the command's netlink sequence number (0 when not a command)
    int err = 0;                 // errno
    std::string command;         // "add element inet wharf_nat dnat_map"
    std::string kernel_message;  // extack, empty when the kernel gave none
};

class error : public netlink::error {
public:
    explicit error(std::vector<failure> failures);
    error(int err, std::string command, std::string kernel_message = {});

    const std::vector<failure>& failures() const noexcept { return failures_; }

private:
    std::vector<failure> failures_;
};

}  // namespace wharf::nft
