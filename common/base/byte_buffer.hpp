#pragma once
// byte_buffer: growable storage for datagrams that is never zero-filled. A page of it costs only
// when something is written there: a fresh anonymous page faults on first touch, and on the VMs
// Wharf runs on a fault is expensive. std::vector<char>(n) writes all n bytes up front, so a large
// batch buffer of which a few hundred bytes are used faulted in every page, and doubling it copied
// and faulted again (figures: docs/costs.md). Growing keeps the first `keep` bytes.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>

namespace wharf {

template <typename Byte>
class basic_byte_buffer {
public:
    basic_byte_buffer() noexcept = default;
    explicit basic_byte_buffer(std::size_t size) : data_(std::make_unique_for_overwrite<Byte[]>(size)), size_(size) {}

    Byte* data() noexcept { return data_.get(); }
    const Byte* data() const noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    // Makes the buffer at least `size` bytes long, preserving its first `keep` bytes.
    void grow(std::size_t size, std::size_t keep) {
        if (size <= size_) return;
        auto bigger = std::make_unique_for_overwrite<Byte[]>(size);
        if (keep > 0) std::memcpy(bigger.get(), data_.get(), std::min(keep, size_));
        data_ = std::move(bigger);
        size_ = size;
    }

private:
    std::unique_ptr<Byte[]> data_;
    std::size_t size_ = 0;
};

using byte_buffer = basic_byte_buffer<std::byte>;
using char_buffer = basic_byte_buffer<char>;

}  // namespace wharf
