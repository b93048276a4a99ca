// The CSV inputs of `report` and `baseline`: ground-truth labels (`request_id,label`) and
// training data for drift baselines. Files may be gzip-compressed (read through line_reader).
//
// Called on the command's thread. Every problem throws read_error with one sentence naming the
// file, and the line and column when there is one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shadowproxy/report/line_reader.hpp"
#include "shadowproxy/stats/drift.hpp"

namespace shadowproxy::report {

// Splits one CSV line: comma-separated, fields optionally in double quotes with "" for a quote
// (RFC 4180, without line breaks inside fields). False on a stray or unterminated quote.
bool split_csv_line(std::string_view line, std::vector<std::string>& fields);

struct label_table {
    struct transparent_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    // request id -> index into keys; a repeated request id keeps its last label.
    std::unordered_map<std::string, std::uint32_t, transparent_hash, std::equal_to<>> index;
    std::vector<std::string> keys;  // stats::prediction_key() of each label
};

// The header must name the id and label columns (by default request_id and label; other
// columns are ignored). A label is the JSON value its text parses as (2, true, "x" with
// quotes), otherwise the text itself as a string (cat); surrounding spaces are trimmed.
label_table load_labels(const std::string& path, const std::string& id_column = "request_id",
                        const std::string& label_column = "label");

// One numeric column per feature named by the header, the label column (if not empty) skipped;
// empty cells are missing values and left out. Ten equal-frequency bins per feature
// (stats::make_feature_bins). Fails on an empty file, a file without rows, a duplicate or empty
// column name, a row with the wrong number of fields, a non-numeric cell (naming the column and
// its first bad line), a column without any value, or a label column not in the header.
stats::baseline build_baseline(const std::string& csv_path, const std::string& label_column);

}  // namespace shadowproxy::report
