#pragma once
// A name in double quotes, as error messages show names ("eth0", "/run/netns/x"). Built by
// appending into a reserved string: GCC 12 at -O3 reports a false -Wrestrict overlap for the
// `"\"" + s + "\""` form.
#include <string>
#include <string_view>

namespace wharf {

inline std::string in_quotes(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return out;
}

}  // namespace wharf
