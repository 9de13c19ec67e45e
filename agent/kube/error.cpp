#include "kube/error.hpp"

#include <utility>

namespace wharf::kube {

api_error::api_error(long status, std::string message, std::chrono::seconds retry_after)
    : std::runtime_error("API server answered " + std::to_string(status) + ": " + message),
      status_(status),
      message_(std::move(message)),
      retry_after_(retry_after) {}

}  // namespace wharf::kube
