#include "firewalld_record.hpp"

#include <sstream>

#include "sys/record_dir.hpp"

namespace wharf::firewall {

namespace {

sys::record_dir records(const sys::shared_state& state) { return sys::record_dir(state, "firewalld"); }

}  // namespace

void save_firewalld_record(const sys::shared_state& state, const std::string& tag, const firewalld_record& record) {
    std::string text = record.zone + "\n";
    for (const auto& s : record.sources) text += s + "\n";
    records(state).save(tag, text);
}

std::optional<firewalld_record> load_firewalld_record(const sys::shared_state& state, const std::string& tag) {
    const auto text = records(state).load(tag);
    if (!text) return std::nullopt;
    firewalld_record record;
    std::istringstream lines(*text);
    std::getline(lines, record.zone);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) record.sources.push_back(line);
    return record;
}

void drop_firewalld_record(const sys::shared_state& state, const std::string& tag) { records(state).drop(tag); }

std::vector<std::string> firewalld_record_tags(const sys::shared_state& state) { return records(state).tags(); }

}  // namespace wharf::firewall
