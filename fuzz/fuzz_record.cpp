// libFuzzer target: the report's input path, line_reader (plain or gzip, detected from the
// content) feeding record_parser one line at a time, as `report` does. Bad lines must come back
// as false with a reason, never a throw or a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "shadowproxy/report/line_reader.hpp"
#include "shadowproxy/report/record_parser.hpp"

namespace sr = shadowproxy::report;

namespace {

const std::string& scratch_path() {
    static const std::string path = "/tmp/shadowproxy-fuzz-record-" + std::to_string(getpid());
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::FILE* file = std::fopen(scratch_path().c_str(), "wb");
    if (file == nullptr) {
        return 0;
    }
    std::fwrite(data, 1, size, file);
    std::fclose(file);

    static sr::record_parser parser;
    sr::parsed_record record;
    try {
        sr::line_reader reader{scratch_path()};
        std::string_view line;
        while (reader.next(line)) {
            if (!parser.parse(line, record) && parser.error().empty()) {
                __builtin_trap();  // a rejected line must say why
            }
        }
    } catch (const sr::read_error&) {
        // A corrupt gzip stream: `report` names the file and exits 2.
    }
    std::remove(scratch_path().c_str());
    return 0;
}
