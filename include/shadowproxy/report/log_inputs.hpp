// The LOG arguments of `report` turned into the list of files to read: a file or "-" stays as
// given, a directory becomes its *.jsonl and *.jsonl.gz files (not recursive) sorted by name, so
// a day of records collected from many replicas is read with one argument.
//
// Used by the report command on the main thread before any file is opened. A directory that
// cannot be listed or holds no such file throws read_error with a sentence naming it.
#pragma once

#include <string>
#include <vector>

namespace shadowproxy::report {

std::vector<std::string> expand_log_inputs(const std::vector<std::string>& arguments);

}  // namespace shadowproxy::report
