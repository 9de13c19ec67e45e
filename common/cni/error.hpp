#pragma once
// cni::error: a failure reported to the runtime as the spec's error object
// {"cniVersion","code","msg","details"}. Codes are numbered as SPEC.md (1-7, 11, 50, 51) and the
// reference library (8 invalid netns, 999 internal) number them.
#include <stdexcept>
#include <string>

namespace wharf::cni {

enum class code : unsigned {
    incompatible_version = 1,
    unsupported_field = 2,
    unknown_container = 3,
    invalid_env = 4,
    io_failure = 5,
    decoding_failure = 6,
    invalid_config = 7,
    invalid_netns = 8,
    try_again_later = 11,
    not_available = 50,
    limited_connectivity = 51,
    internal = 999,
};

class error : public std::runtime_error {
public:
    // what() is the spec's `msg`.
    error(code c, const std::string& msg, std::string details = {})
        : std::runtime_error(msg), code_(c), details_(std::move(details)) {}
    code err_code() const noexcept { return code_; }
    unsigned number() const noexcept { return static_cast<unsigned>(code_); }
    const std::string& details() const noexcept { return details_; }

private:
    code code_;
    std::string details_;
};

}  // namespace wharf::cni
