// fmt's implementation, compiled once for the whole tree (fmt's compiled mode) instead of again in
// every file that formats (FMT_HEADER_ONLY). Debian ships fmt's headers and a shared libfmt only,
// which the static plugins cannot link, so the implementation comes from fmt's own format-inl.h.
#include <fmt/format-inl.h>

// The templates fmt's headers declare and leave to the library, for the one character type we use:
// shortest float and double output, and the locale's separators.
FMT_BEGIN_NAMESPACE
namespace detail {
template auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template auto thousands_sep_impl(locale_ref loc) -> thousands_sep_result<char>;
template auto decimal_point_impl(locale_ref loc) -> char;
}  // namespace detail
FMT_END_NAMESPACE
