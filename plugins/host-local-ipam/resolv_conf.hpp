#pragma once
// Reads a resolv.conf(5) file into a CNI DNS object: nameserver, domain, search and options lines, as
// the reference host-local does for its "resolvConf" key.
#include <string>
#include <string_view>

#include "cni/result.hpp"

namespace wharf::ipam {

cni::dns_config parse_resolv_conf_text(std::string_view text);
// Throws cni::error 7 naming "resolvConf" and the path when the file cannot be read.
cni::dns_config read_resolv_conf(const std::string& path);

}  // namespace wharf::ipam
