// The header fields of one HTTP message as the proxy keeps them: every name and value copied into
// one character buffer, their offsets beside it, both reused from message to message and both
// with inline room for a typical head (1 KiB of text, 24 fields), so reading a usual head
// allocates nothing (Beast's basic_fields allocates and links an element for each field). Fields
// keep their order and their spelling; duplicates are kept; lookup is by name, case-insensitively,
// first match. Used for production's and the shadows' answers (HTTP/1.1 and HTTP/2) and the
// requests read from clients (HTTP/1.1 and HTTP/2).
//
// A plain value, owned by whoever reads the message; one thread at a time. Nothing throws but
// std::bad_alloc. Views handed out stay valid until the next add() or clear().
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace shadowproxy::net {

struct field {
    std::string_view name;
    std::string_view value;
};

class field_list {
    struct entry {
        std::uint32_t at;  // the name's offset in text_
        std::uint32_t name_size;
        std::uint32_t value_offset;  // the value's offset from the name
        std::uint32_t value_size;
    };

public:
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = field;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = field;

        iterator() = default;
        iterator(const field_list* list, std::size_t index) : list_(list), index_(index) {}
        field operator*() const { return list_->at(index_); }
        iterator& operator++() {
            ++index_;
            return *this;
        }
        iterator operator++(int) {
            auto before = *this;
            ++index_;
            return before;
        }
        bool operator==(const iterator& other) const { return index_ == other.index_; }

    private:
        const field_list* list_ = nullptr;
        std::size_t index_ = 0;
    };

    void add(std::string_view name, std::string_view value);
    // Drops every field called `name` in any case (their text stays until clear()).
    void erase(std::string_view name);
    // Forgets the fields, keeps the memory.
    void clear();

    std::size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }
    field at(std::size_t index) const {
        const entry& e = entries_[index];
        const char* const name = text_.data() + e.at;
        return {{name, e.name_size}, {name + e.value_offset, e.value_size}};
    }
    iterator begin() const { return {this, 0}; }
    iterator end() const { return {this, entries_.size()}; }

    // The value of the first field called `name` in any case; nullopt when there is none.
    std::optional<std::string_view> find(std::string_view name) const;
    bool contains(std::string_view name) const { return find(name).has_value(); }
    // The value of the first field called `name`, empty when there is none.
    std::string_view operator[](std::string_view name) const { return find(name).value_or(""); }

private:
    boost::container::small_vector<char, 1024> text_;
    boost::container::small_vector<entry, 24> entries_;
};

// The head of a request read from a client: the request line's parts and the fields. HTTP/2
// requests carry version 11, their :method and :path as method and target, and field names
// lower-case as received.
struct request_head {
    std::string method;
    std::string target;
    unsigned version = 11;
    field_list fields;
};

// The head of a response read from an upstream: the status line's parts and the fields. HTTP/2
// answers carry version 11 and no reason; their field names are lower-case as received.
struct response_head {
    unsigned status = 0;
    unsigned version = 11;
    std::string reason;
    field_list fields;

    // Back to an empty head, keeping the memory.
    void clear() {
        status = 0;
        version = 11;
        reason.clear();
        fields.clear();
    }
};

}  // namespace shadowproxy::net
