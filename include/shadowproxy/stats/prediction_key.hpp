// Canonical keys of predictions and labels, so equal JSON values get equal keys.
//
// The key of a JSON value is its nlohmann dump() after normalising numbers: a float with an
// integral value in [-2^53, 2^53] is written as that integer (JSON does not tell 1 from 1.0) and
// -0 as 0. Strings keep their quotes in the key, so the number 1 ("1") and the string "1"
// ("\"1\"") differ. null has the empty key, which no other value has.
//
// display_label() shows a key to people: non-strings as the key; strings without quotes unless
// the text would read as another value (it parses as JSON, is empty, or is "other", the name of
// the rest bucket of confusion tables), then as the quoted JSON string. Distinct keys thus always
// get distinct labels. Pure functions, any thread; they do not throw.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace shadowproxy::stats {

// The label of the confusion-table bucket holding every class beyond the top ones.
inline constexpr std::string_view other_label = "other";

std::string prediction_key(const nlohmann::json& value);

// Key of a JSON text (a value as it appears in a log line). Returns false when the text is not
// valid JSON; out is then unspecified. Common scalars take a fast path without parsing.
bool prediction_key_from_raw(std::string_view raw_json, std::string& out);

std::string display_label(std::string_view key);

}  // namespace shadowproxy::stats
