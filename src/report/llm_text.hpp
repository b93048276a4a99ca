// The generated-text sections of `report --format text`: a shadow's LLM table, its gap to the
// noise floor, and the noise reference's own summary. Private to report; pure writers to a
// stream, any thread, no throw but std::bad_alloc.
#pragma once

#include <ostream>

#include "shadowproxy/report/report.hpp"

namespace shadowproxy::report {

void write_llm(const stats::llm_summary& llm, std::ostream& out);
void write_noise(const stats::noise_gap& gap, std::ostream& out);
void write_noise_reference(const noise_reference_report& noise, std::ostream& out);

}  // namespace shadowproxy::report
