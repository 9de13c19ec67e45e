#include "json/json.hpp"

// The stream parser json.hpp declares (see json.cpp).
NLOHMANN_JSON_NAMESPACE_BEGIN
namespace detail {

template class lexer<json, input_stream_adapter>;
template class parser<json, input_stream_adapter>;

}  // namespace detail
NLOHMANN_JSON_NAMESPACE_END
