#pragma once
// Requests whose refusal is sometimes an answer, and errors that say where. Removing what is already
// gone, looking up what is not there, or creating what a concurrent caller has just made: the kernel
// refuses with an errno that the caller expects, so these come back as values, not exceptions.
//
//   bool removed = netlink::request_unless(sock, msg, "remove link \"v1\"", {ENODEV});
//   netlink::with_context("configure \"eth0\" in /run/netns/x", [&] { addr::add(container, ...); });
//
// Built on netlink::socket's request and get, so the refusal is still thrown and caught inside.
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "netlink/error.hpp"
#include "netlink/message.hpp"
#include "netlink/socket.hpp"

namespace wharf::netlink {

// Runs `step`: true when it completes, false when it throws a netlink::error whose errno is one of
// `codes`. Any other failure propagates.
template <typename Step>
bool completes_unless(std::initializer_list<int> codes, Step&& step) {
    try {
        std::forward<Step>(step)();
        return true;
    } catch (const error& e) {
        for (int code : codes)
            if (e.code_value() == code) return false;
        throw;
    }
}

// socket::request, false when the kernel refused with one of `codes`.
bool request_unless(socket& sock, message& msg, const std::string& what, std::initializer_list<int> codes);
// socket::get, nullopt when the kernel refused with one of `codes`.
std::optional<message> get_unless(socket& sock, message& msg, const std::string& what, std::initializer_list<int> codes);

// Throws `e` again with "<context>: " before its operation, errno and the kernel's message kept.
[[noreturn]] void rethrow_with_context(const error& e, const std::string& context);

// Runs `step` and returns what it returns; a netlink::error it throws is rethrown naming `context`
// first (netavark's wrap): "configure \"eth0\" in /run/netns/x: add address ...: File exists".
template <typename Step>
decltype(auto) with_context(const std::string& context, Step&& step) {
    try {
        return std::forward<Step>(step)();
    } catch (const error& e) {
        rethrow_with_context(e, context);
    }
}

}  // namespace wharf::netlink
