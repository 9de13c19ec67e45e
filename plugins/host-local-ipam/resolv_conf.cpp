#include "resolv_conf.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cni/error.hpp"

namespace wharf::ipam {

cni::dns_config parse_resolv_conf_text(std::string_view text) {
    cni::dns_config dns;
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
        if (auto hash = line.find_first_of("#;"); hash != std::string::npos) line.erase(hash);
        std::istringstream words(line);
        std::string keyword;
        if (!(words >> keyword)) continue;
        std::string w;
        if (keyword == "nameserver") {
            if (words >> w) dns.nameservers.push_back(w);
        } else if (keyword == "domain") {
            if (words >> w) dns.domain = w;
        } else if (keyword == "search") {
            dns.search.clear();  // the last search line wins, as in the resolver
            while (words >> w) dns.search.push_back(w);
        } else if (keyword == "options") {
            while (words >> w) dns.options.push_back(w);
        }
    }
    return dns;
}

cni::dns_config read_resolv_conf(const std::string& path) {
    std::ifstream f(path);
    if (!f)
        throw cni::error(cni::code::invalid_config,
                         fmt::format("ipam.resolvConf \"{}\": cannot read: {}", path, std::strerror(errno)));
    std::ostringstream s;
    s << f.rdbuf();
    return parse_resolv_conf_text(s.str());
}

}  // namespace wharf::ipam
