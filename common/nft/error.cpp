#include "nft/error.hpp"

#include <cstring>
#include <stdexcept>

namespace wharf::nft {

namespace {

const failure& first(const std::vector<failure>& failures) {
    if (failures.empty()) throw std::logic_error("nft::error needs at least one failure");
    return failures.front();
}

// The first failure is the operation (what() appends its strerror); later ones carry their own.
std::string describe_all(const std::vector<failure>& failures) {
    std::string text = first(failures).command;
    for (std::size_t i = 1; i < failures.size(); ++i) {
        const failure& f = failures[i];
        text += i == 1 ? "; also failed: " : ", ";
        text += f.command + " (" + std::strerror(f.err);
        if (!f.kernel_message.empty()) text += ", kernel: \"" + f.kernel_message + "\"";
        text += ")";
    }
    return text;
}

}  // namespace

error::error(std::vector<failure> failures)
    : netlink::error(first(failures).err, describe_all(failures), first(failures).kernel_message),
      failures_(std::move(failures)) {}

error::error(int err, std::string command, std::string kernel_message)
    : error(std::vector<failure>{failure{0, err, std::move(command), std::move(kernel_message)}}) {}

}  // namespace wharf::nft
