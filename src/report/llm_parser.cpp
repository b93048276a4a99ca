#include "report/llm_parser.hpp"

namespace shadowproxy::report::detail {

namespace od = simdjson::ondemand;

namespace {

std::optional<double> number_or_none(od::value& item) {
    double number = 0;
    if (item.get_double().get(number) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    return number;
}

bool flag(od::value& item) {
    bool value = false;
    return item.get_bool().get(value) == simdjson::SUCCESS && value;
}

// Calls on_field(key, value) for each field of an object; false when `value` is not one.
template <typename OnField>
bool for_each_field(od::value& value, OnField&& on_field) {
    od::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) {
        return false;
    }
    for (auto field_result : object) {
        od::field field;
        std::string_view key;
        if (std::move(field_result).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(key) != simdjson::SUCCESS) {
            break;
        }
        on_field(key, field.value());
    }
    return true;
}

}  // namespace

void parse_llm_side(od::value& value, parsed_side& side) {
    side.has_llm = for_each_field(value, [&](std::string_view key, od::value& item) {
        if (key == "ttft_ms") {
            side.ttft_ms = number_or_none(item);
        } else if (key == "itl_ms_mean") {
            side.itl_ms_mean = number_or_none(item);
        } else if (key == "tokens_per_s") {
            side.tokens_per_s = number_or_none(item);
        } else if (key == "tool_calls") {
            od::array calls;
            std::size_t count = 0;
            if (item.get_array().get(calls) == simdjson::SUCCESS &&
                calls.count_elements().get(count) == simdjson::SUCCESS) {
                side.tool_calls = count;
            }
        } else if (key == "finish_reason") {
            std::string_view text;
            if (item.get_string().get(text) == simdjson::SUCCESS) {
                side.finish_reason.assign(text);
            }
        }
    });
}

std::optional<stats::llm_agreement> parse_llm_compare(od::value& value) {
    // A field the record lacks counts against agreement.
    stats::llm_agreement out{false, 0, 0, std::nullopt, false, false};
    bool has_similarity = false;
    for_each_field(value, [&](std::string_view key, od::value& item) {
        if (key == "exact_match") {
            out.exact_match = flag(item);
        } else if (key == "text_similarity") {
            const auto number = number_or_none(item);
            has_similarity = number.has_value();
            out.text_similarity = number.value_or(0);
        } else if (key == "token_f1") {
            out.token_f1 = number_or_none(item).value_or(0);
        } else if (key == "length_ratio") {
            out.length_ratio = number_or_none(item);
        } else if (key == "finish_reason_match") {
            out.finish_reason_match = flag(item);
        } else if (key == "tool_calls_match") {
            out.tool_calls_match = flag(item);
        }
    });
    if (!has_similarity) {
        return std::nullopt;
    }
    return out;
}

}  // namespace shadowproxy::report::detail
