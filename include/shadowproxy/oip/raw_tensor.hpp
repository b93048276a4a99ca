// The elements of an Open Inference Protocol tensor as JSON: decoded from the little-endian
// bytes of `raw_input_contents`/`raw_output_contents` by datatype (BOOL, INT8-64, UINT8-64,
// FP16, FP32, FP64, BYTES with a 4-byte little-endian length before each element), and the
// element count a shape promises. BYTES elements become JSON strings when they are valid UTF-8,
// else {"base64": "..."} so that no byte of a difference is lost.
// Pure functions: any thread; nothing throws but std::bad_alloc.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace shadowproxy::oip {

// The most elements one tensor may hold in a decoded view; a shape promising more is an error
// (the bodies are bounded by compare.max_body_bytes anyway, this bounds a lying shape).
inline constexpr std::uint64_t max_tensor_elements = std::uint64_t{1} << 26;

// The product of the dimensions; nullopt when one is negative or the product passes
// max_tensor_elements.
template <typename Dimensions>
std::optional<std::uint64_t> element_count(const Dimensions& shape) {
    std::uint64_t count = 1;
    for (const auto dimension : shape) {
        if (dimension < 0 ||
            (dimension != 0 &&
             count > max_tensor_elements / static_cast<std::uint64_t>(dimension))) {
            return std::nullopt;
        }
        count *= static_cast<std::uint64_t>(dimension);
    }
    return count;
}

struct decoded_tensor {
    nlohmann::json data = nlohmann::json::array();  // the elements, flattened row-major
    std::string error;                              // empty when the bytes decoded
};

// `raw` holds `count` elements of `datatype`; an unknown datatype or a length that does not
// fit the count is an error naming both.
decoded_tensor decode_raw_tensor(std::string_view datatype, std::uint64_t count,
                                 std::string_view raw);

// A BYTES element as the view shows it.
nlohmann::json bytes_element(std::string_view bytes);

}  // namespace shadowproxy::oip
