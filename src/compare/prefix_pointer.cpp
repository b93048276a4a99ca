#include "shadowproxy/compare/prefix_pointer.hpp"

#include <string>
#include <vector>

namespace shadowproxy::compare {

namespace {

using json = nlohmann::json;

// nlohmann's SAX interface. Outside the target it keeps only the path (one frame per open
// container); inside it builds the target's value. Returning false stops the parse: done as
// soon as the target is complete.
class target_finder {
public:
    // ends_in_number: the prefix's last byte could belong to a number.
    target_finder(const std::vector<std::string>& tokens, bool ends_in_number)
        : tokens_(tokens), ends_in_number_(ends_in_number) {}

    // After a parse that read the whole document: a number at its very end is complete.
    void document_complete() { commit_pending(); }
    std::optional<json> take() { return std::move(found_); }

    bool null() { return scalar(nullptr, false); }
    bool boolean(bool value) { return scalar(value, false); }
    bool number_integer(json::number_integer_t value) { return scalar(value, true); }
    bool number_unsigned(json::number_unsigned_t value) { return scalar(value, true); }
    bool number_float(json::number_float_t value, const json::string_t&) {
        return scalar(value, true);
    }
    bool string(json::string_t& value) { return scalar(std::move(value), false); }
    bool binary(json::binary_t&) { return false; }
    bool start_object(std::size_t) { return open(json::object()); }
    bool start_array(std::size_t) { return open(json::array()); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }
    bool key(json::string_t& name) {
        if (!commit_pending()) {
            return false;
        }
        (building_.empty() ? frames_.back().key : key_) = std::move(name);
        return true;
    }
    // The cut: a pending number is whole unless the prefix may end inside it.
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
        if (!ends_in_number_) {
            commit_pending();
        }
        return false;
    }

private:
    struct frame {
        bool array = false;
        std::size_t index = 0;
        std::string key;
        bool on_path = false;  // this container is where the pointer leads, so far
    };

    // The innermost container's current slot is the one the pointer names at that depth.
    bool slot_on_path() const {
        const frame& f = frames_.back();
        if (!f.on_path) {
            return false;
        }
        const std::string& token = tokens_[frames_.size() - 1];
        if (f.array) {
            const auto index = parse_array_index(token);
            return index && *index == f.index;
        }
        return f.key == token;
    }

    bool at_target() const {
        return frames_.size() == tokens_.size() && (frames_.empty() || slot_on_path());
    }

    void advance() {
        if (!frames_.empty() && frames_.back().array) {
            ++frames_.back().index;
        }
    }

    // may_continue: a number ending where the prefix ends may have been cut ("0.12" of
    // "0.125"); it counts only once another event shows it was complete.
    bool scalar(json value, bool may_continue) {
        if (!commit_pending()) {
            return false;
        }
        if (!building_.empty()) {
            add(std::move(value));
            return true;
        }
        if (at_target()) {
            if (!may_continue) {
                found_ = std::move(value);
                return false;
            }
            pending_ = std::move(value);
        }
        advance();
        return true;
    }

    bool open(json container) {
        if (!commit_pending()) {
            return false;
        }
        if (!building_.empty()) {
            building_.push_back(add(std::move(container)));
            return true;
        }
        if (at_target()) {
            root_ = std::move(container);
            building_.push_back(&root_);
            return true;
        }
        const bool on_path = frames_.size() < tokens_.size() && (frames_.empty() || slot_on_path());
        frames_.push_back({container.is_array(), 0, {}, on_path});
        return true;
    }

    bool close() {
        if (!commit_pending()) {
            return false;
        }
        if (!building_.empty()) {
            building_.pop_back();
            if (building_.empty()) {
                found_ = std::move(root_);
                return false;
            }
            return true;
        }
        frames_.pop_back();
        advance();
        return true;
    }

    // Only the innermost open container of the value being built grows, so the pointers kept
    // in building_ (its ancestors) stay valid.
    json* add(json value) {
        json& parent = *building_.back();
        if (parent.is_array()) {
            parent.push_back(std::move(value));
            return &parent.back();
        }
        json& slot = parent[key_];
        slot = std::move(value);
        return &slot;
    }

    // Returns false (stop) when a pending number was thereby confirmed.
    bool commit_pending() {
        if (!pending_) {
            return true;
        }
        found_ = std::move(pending_);
        pending_.reset();
        return false;
    }

    const std::vector<std::string>& tokens_;
    bool ends_in_number_;
    std::vector<frame> frames_;
    std::optional<json> pending_;
    std::optional<json> found_;
    json root_;
    std::vector<json*> building_;
    std::string key_;
};

}  // namespace

std::optional<nlohmann::json> find_in_prefix(std::string_view prefix, const json_pointer& pointer) {
    const bool ends_in_number = !prefix.empty() && std::string_view{"0123456789.eE+-"}.find(
                                                       prefix.back()) != std::string_view::npos;
    target_finder finder(pointer.tokens(), ends_in_number);
    if (json::sax_parse(prefix.begin(), prefix.end(), &finder)) {
        finder.document_complete();
    }
    return finder.take();
}

}  // namespace shadowproxy::compare
