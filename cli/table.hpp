#pragma once
// Aligned text tables for listings (`wharf sandbox ls`, `wharf net ls`), like docker's.
#include <string>
#include <vector>

namespace wharf::cli {

class table {
public:
    explicit table(std::vector<std::string> headers) : rows_{std::move(headers)} {}
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    // Columns separated by at least three spaces; the last column is not padded.
    std::string render() const;

private:
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace wharf::cli
