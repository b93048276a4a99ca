// Reads the generated-text parts of a record (a side's "llm" object, the record's
// "llm_compare") with simdjson's on-demand API, for record_parser.
//
// Private to report; one parser thread. Fields of an unexpected type are read as missing, never
// an error: an old or foreign writer's record still counts for everything else.
#pragma once

#include <simdjson.h>

#include "shadowproxy/report/record_parser.hpp"

namespace shadowproxy::report::detail {

void parse_llm_side(simdjson::ondemand::value& value, parsed_side& side);
std::optional<stats::llm_agreement> parse_llm_compare(simdjson::ondemand::value& value);

}  // namespace shadowproxy::report::detail
