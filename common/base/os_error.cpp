#include "base/os_error.hpp"

#include <cerrno>

namespace wharf {

os_error::os_error(int err, const std::string& operation, std::string detail)
    : std::system_error(err, std::generic_category(), operation),
      operation_(operation),
      detail_(std::move(detail)),
      message_(operation + ": " + std::generic_category().message(err) +
               (detail_.empty() ? std::string() : " (kernel: \"" + detail_ + "\")")) {}

void throw_errno(const std::string& operation) { throw os_error(errno, operation); }

}  // namespace wharf
