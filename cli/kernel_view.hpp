#pragma once
// What the kernel says about a namespace, as JSON for `wharf inspect` and `wharf net inspect`:
// links with their addresses, routes, and for each veth the end on the other side (the pairing people
// otherwise find by comparing ifindex numbers by hand).
#include <nlohmann/json_fwd.hpp>

#include <string>

namespace wharf::cli {

// {"interfaces":[{"name","index","kind","mac","mtu","up","addresses":[...],
//   "peer":{"name","index","bridge"}?}], "routes":[{"dst","gateway"?,"dev","scope","table"}]}
// `netns_path` empty means the host's namespace. Peers are looked up in the host's namespace.
nlohmann::json namespace_view(const std::string& netns_path);

// {"name","index","up","addresses":[...],"ports":[{"name","index","peer_index","up"}]} of a bridge in
// the host's namespace, or null when there is no link of that name.
nlohmann::json bridge_view(const std::string& bridge);

// "default via 10.77.0.1 dev eth0", "10.77.0.0/16 dev eth0 scope link"
std::string route_text(const nlohmann::json& route);

}  // namespace wharf::cli
