#pragma once
// cni::json_value: an immutable JSON value held by a struct whose header must not cost its includers
// nlohmann/json (cni::net_conf is included by nearly every plugin file; few of them read JSON). Only
// the type is declared here; code that reads the value includes "json/json.hpp" (cni/json_field.hpp
// does) and uses it as a `const nlohmann::json&`, like a std::reference_wrapper. Copies share the value.
#include <nlohmann/json_fwd.hpp>

#include <memory>

namespace wharf::cni {

class json_value {
public:
    json_value() noexcept = default;  // an empty object
    json_value(nlohmann::json value);  // implicit: a json_value is a json that cannot change

    const nlohmann::json& get() const noexcept;
    operator const nlohmann::json&() const noexcept { return get(); }

private:
    std::shared_ptr<const nlohmann::json> value_;  // null: the empty object
};

}  // namespace wharf::cni
