#include "netlink/request.hpp"

namespace wharf::netlink {

bool request_unless(socket& sock, message& msg, const std::string& what, std::initializer_list<int> codes) {
    return completes_unless(codes, [&] { sock.request(msg, what); });
}

std::optional<message> get_unless(socket& sock, message& msg, const std::string& what, std::initializer_list<int> codes) {
    std::optional<message> reply;
    completes_unless(codes, [&] { reply.emplace(sock.get(msg, what)); });
    return reply;
}

void rethrow_with_context(const error& e, const std::string& context) {
    throw error(e.code_value(), context + ": " + e.operation(), e.extack());
}

}  // namespace wharf::netlink
