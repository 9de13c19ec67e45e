#pragma once
// mac: a 48-bit Ethernet address.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wharf::net {

class mac {
public:
    mac() = default;
    explicit mac(const std::array<std::uint8_t, 6>& bytes) noexcept : bytes_(bytes) {}
    // Accepts "aa:bb:cc:dd:ee:ff" and "aa-bb-cc-dd-ee-ff", either case.
    static std::optional<mac> parse(std::string_view text);
    // A random locally administered unicast address.
    static mac random();

    const std::array<std::uint8_t, 6>& bytes() const noexcept { return bytes_; }
    const std::uint8_t* data() const noexcept { return bytes_.data(); }
    bool is_unicast() const noexcept { return (bytes_[0] & 0x01) == 0; }
    bool is_zero() const noexcept;
    std::string to_string() const;  // lower case, colon separated
    friend bool operator==(const mac&, const mac&) = default;

private:
    std::array<std::uint8_t, 6> bytes_{};
};

}  // namespace wharf::net
