#include "cni/json_value.hpp"

#include "json/json.hpp"

namespace wharf::cni {

json_value::json_value(nlohmann::json value) : value_(std::make_shared<const nlohmann::json>(std::move(value))) {}

const nlohmann::json& json_value::get() const noexcept {
    static const nlohmann::json empty_object = nlohmann::json::object();
    return value_ ? *value_ : empty_object;
}

}  // namespace wharf::cni
