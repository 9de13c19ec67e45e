#pragma once
// What source address a server sees: a one-shot TCP listener (socat, started and stopped by its PID)
// in one namespace answers each connection with the peer address it saw; a client in another
// namespace connects and reads it. How tests tell a masqueraded flow from one that kept its address.
#include <string>

#include "support/sandbox.hpp"

namespace wharf::test {

// The address a listener at `address`:`port` in `server` sees for a TCP connection from `client`,
// without a newline; empty when no connection succeeded within a few seconds.
std::string source_address_seen(const netns_sandbox& client, const netns_sandbox& server, const std::string& address,
                                unsigned port);

}  // namespace wharf::test
