#include "base/os_error.hpp"

#include <cerrno>

namespace wharf {

namespace {
std::string describe(const std::string& operation, const std::string& detail) {
    if (detail.empty()) return operation;
    return operation + " (kernel: \"" + detail + "\")";
}
}  // namespace

os_error::os_error(int err, const std::string& operation, std::string detail)
    : std::system_error(err, std::generic_category(), describe(operation, detail)),
      operation_(operation),
      detail_(std::move(detail)) {}

void throw_errno(const std::string& operation) { throw os_error(errno, operation); }

}  // namespace wharf
