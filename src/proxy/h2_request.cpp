#include "shadowproxy/proxy/h2_request.hpp"

#include <charconv>

#include "shadowproxy/proxy/rewrite.hpp"

namespace shadowproxy::proxy {

namespace {

// RFC 9113 §6.5.2: a field's size in the header list is its name, its value and 32.
constexpr std::size_t h2_field_overhead = 32;

}  // namespace

h2_request_builder::h2_request_builder(const config::limits_config& limits) : limits_(limits) {}

void h2_request_builder::add_field(std::string_view name, std::string_view value, bool trailer) {
    if (trailer) {
        ++trailer_fields_;
        return;
    }
    header_bytes_ += name.size() + value.size() + h2_field_overhead;
    if (header_bytes_ > limits_.max_header_bytes) {
        return;
    }
    if (name == ":method") {
        head_.method.assign(value);
    } else if (name == ":path") {
        head_.target.assign(value);
    } else if (name == ":authority") {
        authority_.assign(value);
    } else if (name.empty() || name.front() != ':') {
        ++header_fields_;
        head_.fields.add(name, value);
    }
}

h2_verdict h2_request_builder::head_verdict() const {
    if (header_bytes_ > limits_.max_header_bytes) {
        return {431, "request header fields too large", {}};
    }
    if (header_fields_ > limits_.max_header_fields) {
        return {431, "too many request header fields", {}};
    }
    const std::string_view length = head_.fields["content-length"];
    std::uint64_t declared = 0;
    if (!length.empty() &&
        std::from_chars(length.data(), length.data() + length.size(), declared).ec == std::errc{} &&
        declared > limits_.max_body_bytes) {
        return {413, "request body too large", {}};
    }
    return {};
}

bool h2_request_builder::add_body(std::string_view bytes) {
    if (body_.size() + bytes.size() > limits_.max_body_bytes) {
        return false;
    }
    body_.append(bytes);
    return true;
}

h2_verdict h2_request_builder::finish(std::string_view client_address,
                                      std::string_view owned_header, bool tls) {
    if (!authority_.empty()) {
        head_.fields.erase("host");
        head_.fields.add("host", authority_);
    }
    request_id_ = choose_request_id(head_);
    if (const auto problem = framing_problem(head_); !problem.empty()) {
        return {400, "malformed request: " + problem, {}};
    }
    auto line = check_request_line(head_, limits_.allowed_methods);
    if (line.status == 405) {
        return {405, std::move(line.problem), allow_value(limits_.allowed_methods)};
    }
    if (line.status != 0) {
        return {line.status, "malformed request: " + line.problem, {}};
    }
    request_ = forward(head_, std::move(body_), client_address, request_id_,
                       forward_options_for(std::move(line), owned_header, tls));
    return {};
}

}  // namespace shadowproxy::proxy
