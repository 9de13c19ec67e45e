#include "json/json.hpp"

// The instantiations json.hpp declares, but the stream parser's (json_stream.cpp, its own object, so
// that a static plugin, which never parses a stream, does not link the iostream machinery).
NLOHMANN_JSON_NAMESPACE_BEGIN
namespace detail {

template class lexer<json, iterator_input_adapter<const char*>>;
template class parser<json, iterator_input_adapter<const char*>>;
template class lexer<json, iterator_input_adapter<std::string::const_iterator>>;
template class parser<json, iterator_input_adapter<std::string::const_iterator>>;
template class serializer<json>;

}  // namespace detail
NLOHMANN_JSON_NAMESPACE_END
