#include "shadowproxy/net/field_list.hpp"

#include <algorithm>
#include <cstring>

#include "shadowproxy/net/http_chars.hpp"

namespace shadowproxy::net {

void field_list::add(std::string_view name, std::string_view value) {
    const std::size_t at = text_.size();
    // A field as a parser hands it over lies in one buffer, "Name: value": copied with the few
    // bytes between name and value in one go, one copy instead of two.
    const auto name_end = reinterpret_cast<std::uintptr_t>(name.data() + name.size());
    const auto value_at = reinterpret_cast<std::uintptr_t>(value.data());
    if (!name.empty() && !value.empty() && value_at >= name_end && value_at - name_end <= 8) {
        const std::size_t span =
            value_at + value.size() - reinterpret_cast<std::uintptr_t>(name.data());
        text_.resize(at + span, boost::container::default_init);
        std::memcpy(text_.data() + at, name.data(), span);
        entries_.push_back({static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(name.size()),
                            static_cast<std::uint32_t>(span - value.size()),
                            static_cast<std::uint32_t>(value.size())});
        return;
    }
    entries_.push_back({static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(name.size()),
                        static_cast<std::uint32_t>(name.size()),
                        static_cast<std::uint32_t>(value.size())});
    text_.resize(at + name.size() + value.size(), boost::container::default_init);
    // std::copy, not memcpy: an empty view may carry a null pointer.
    std::copy(value.begin(), value.end(), std::copy(name.begin(), name.end(), text_.data() + at));
}

void field_list::erase(std::string_view name) {
    const auto named = [&](const entry& e) {
        return e.name_size == name.size() && iequals({text_.data() + e.at, e.name_size}, name);
    };
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(), named), entries_.end());
}

void field_list::clear() {
    text_.clear();
    entries_.clear();
}

std::optional<std::string_view> field_list::find(std::string_view name) const {
    for (const entry& e : entries_) {
        if (e.name_size == name.size() && iequals({text_.data() + e.at, e.name_size}, name)) {
            return std::string_view{text_.data() + e.at + e.value_offset, e.value_size};
        }
    }
    return std::nullopt;
}

}  // namespace shadowproxy::net
