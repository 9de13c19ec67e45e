#pragma once
// nlohmann/json as the tree includes it: the library, with its two heaviest templates, the parser
// (for the three inputs the tree parses: a char range, a std::string, a stream) and the serializer
// behind dump(), declared here as instantiated once (json.cpp, json_stream.cpp) rather than in
// every file that parses or dumps. Include this rather than <nlohmann/json.hpp>; a header that
// only names the type includes <nlohmann/json_fwd.hpp>.
#include <nlohmann/json.hpp>

#include <istream>
#include <string>

NLOHMANN_JSON_NAMESPACE_BEGIN
namespace detail {

extern template class lexer<json, iterator_input_adapter<const char*>>;
extern template class parser<json, iterator_input_adapter<const char*>>;
extern template class lexer<json, iterator_input_adapter<std::string::const_iterator>>;
extern template class parser<json, iterator_input_adapter<std::string::const_iterator>>;
extern template class lexer<json, input_stream_adapter>;
extern template class parser<json, input_stream_adapter>;
extern template class serializer<json>;

}  // namespace detail
NLOHMANN_JSON_NAMESPACE_END
