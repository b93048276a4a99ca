// Reads a whole file into a string, reporting failures as strerror() text rather than throwing.
//
// Private to src/config: used for the config file itself and the features baseline it names.
// Callable from any thread.
#pragma once

#include <string>

namespace shadowproxy::config::detail {

// Fills `out` and returns an empty string, or returns the reason (e.g. "No such file or
// directory") and leaves `out` unspecified.
std::string read_text_file(const std::string& path, std::string& out);

}  // namespace shadowproxy::config::detail
