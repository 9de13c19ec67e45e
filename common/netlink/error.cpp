#include "netlink/error.hpp"

#include <system_error>

namespace wharf::netlink {

namespace {
std::string describe(int err, const std::string& operation, const std::string& extack) {
    std::string text = operation + ": " + std::generic_category().message(err);
    if (!extack.empty()) text += " (kernel: \"" + extack + "\")";
    return text;
}
}  // namespace

error::error(int err, const std::string& operation, std::string extack)
    : os_error(err, operation, std::move(extack)), message_(describe(err, operation, detail())) {}

}  // namespace wharf::netlink
