#include "shadowproxy/oip/raw_tensor.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace shadowproxy::oip {
namespace {

using json = nlohmann::json;

template <typename Value>
std::string raw_of(const std::vector<Value>& values) {
    std::string out(values.size() * sizeof(Value), '\0');
    std::memcpy(out.data(), values.data(), out.size());
    return out;
}

std::string length_prefixed(const std::vector<std::string>& elements) {
    std::string out;
    for (const auto& element : elements) {
        const auto length = static_cast<std::uint32_t>(element.size());
        out.append(raw_of(std::vector<std::uint32_t>{length}));
        out.append(element);
    }
    return out;
}

TEST(RawTensor, DecodesEveryFixedSizeDatatype) {
    EXPECT_EQ(decode_raw_tensor("BOOL", 3, std::string("\1\0\7", 3)).data,
              json::parse("[true, false, true]"));
    EXPECT_EQ(decode_raw_tensor("INT8", 2, raw_of<std::int8_t>({-3, 7})).data,
              json::parse("[-3, 7]"));
    EXPECT_EQ(decode_raw_tensor("INT16", 2, raw_of<std::int16_t>({-300, 7})).data,
              json::parse("[-300, 7]"));
    EXPECT_EQ(decode_raw_tensor("INT32", 1, raw_of<std::int32_t>({-70000})).data,
              json::parse("[-70000]"));
    EXPECT_EQ(decode_raw_tensor("INT64", 1, raw_of<std::int64_t>({-(std::int64_t{1} << 40)})).data,
              json::parse("[-1099511627776]"));
    EXPECT_EQ(decode_raw_tensor("UINT8", 2, raw_of<std::uint8_t>({255, 0})).data,
              json::parse("[255, 0]"));
    EXPECT_EQ(decode_raw_tensor("UINT16", 1, raw_of<std::uint16_t>({65535})).data,
              json::parse("[65535]"));
    EXPECT_EQ(decode_raw_tensor("UINT32", 1, raw_of<std::uint32_t>({4000000000U})).data,
              json::parse("[4000000000]"));
    EXPECT_EQ(decode_raw_tensor("UINT64", 1, raw_of<std::uint64_t>({~std::uint64_t{0}})).data,
              json::parse("[18446744073709551615]"));
    EXPECT_EQ(decode_raw_tensor("FP32", 2, raw_of<float>({0.5F, -2.25F})).data,
              json::parse("[0.5, -2.25]"));
    EXPECT_EQ(decode_raw_tensor("FP64", 1, raw_of<double>({0.1})).data, json::parse("[0.1]"));
}

TEST(RawTensor, DecodesHalfPrecisionFloats) {
    // 1.0, -2.0, 65504 (largest), 2^-24 (smallest subnormal), +infinity, 0.333 (≈0x3555)
    const auto decoded = decode_raw_tensor(
        "FP16", 6, raw_of<std::uint16_t>({0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x3555}));
    ASSERT_TRUE(decoded.error.empty()) << decoded.error;
    EXPECT_EQ(decoded.data[0], 1.0);
    EXPECT_EQ(decoded.data[1], -2.0);
    EXPECT_EQ(decoded.data[2], 65504.0);
    EXPECT_EQ(decoded.data[3], 5.9604644775390625e-08);
    EXPECT_TRUE(std::isinf(decoded.data[4].get<double>()));
    EXPECT_NEAR(decoded.data[5].get<double>(), 0.333, 1e-3);
}

TEST(RawTensor, DecodesLengthPrefixedBytes) {
    const auto decoded =
        decode_raw_tensor("BYTES", 3, length_prefixed({"cat", "", std::string("\xff\x00", 2)}));
    ASSERT_TRUE(decoded.error.empty()) << decoded.error;
    EXPECT_EQ(decoded.data, json::parse(R"(["cat", "", {"base64": "/wA="}])"));
}

TEST(RawTensor, ALengthThatDoesNotFitTheShapeIsAnErrorNamingBoth) {
    EXPECT_EQ(decode_raw_tensor("FP32", 4, raw_of<float>({1, 2, 3})).error,
              "raw contents hold 12 bytes; 4 FP32 elements need 16");
    EXPECT_EQ(decode_raw_tensor("BYTES", 2, length_prefixed({"a"})).error,
              "raw BYTES contents end before element 1");
    EXPECT_EQ(decode_raw_tensor("BYTES", 1, std::string("\5\0\0\0ab", 6)).error,
              "raw BYTES element 0 is cut short");
    EXPECT_EQ(decode_raw_tensor("BYTES", 1, length_prefixed({"a", "b"})).error,
              "raw BYTES contents hold 5 bytes after element 1");
    EXPECT_EQ(decode_raw_tensor("FP8", 1, "x").error, "unknown datatype 'FP8'");
}

TEST(RawTensor, ElementCountRefusesNegativeAndHugeShapes) {
    EXPECT_EQ(element_count(std::vector<std::int64_t>{2, 3}), 6U);
    EXPECT_EQ(element_count(std::vector<std::int64_t>{}), 1U);
    EXPECT_EQ(element_count(std::vector<std::int64_t>{4, 0}), 0U);
    EXPECT_FALSE(element_count(std::vector<std::int64_t>{-1, 3}));
    EXPECT_FALSE(element_count(std::vector<std::int64_t>{1 << 20, 1 << 20}));
}

TEST(RawTensor, BytesElementsKeepValidUtf8AsText) {
    EXPECT_EQ(bytes_element("h\xC3\xA9llo \xF0\x9F\x98\x80"), "h\xC3\xA9llo \xF0\x9F\x98\x80");
    EXPECT_EQ(bytes_element("\xC3"), json::parse(R"({"base64": "ww=="})"));
    EXPECT_EQ(bytes_element("\xED\xA0\x80"), json::parse(R"({"base64": "7aCA"})"));  // surrogate
    EXPECT_EQ(bytes_element("\xC0\xAF"), json::parse(R"({"base64": "wK8="})"));      // overlong
}

}  // namespace
}  // namespace shadowproxy::oip
