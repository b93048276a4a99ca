// libFuzzer target: JSON pointer parsing/lookup/erase and the comparator on two arbitrary
// bodies. The input is split into a pointer text, two statuses, tolerances and the two bodies.
// comparator::compare must never throw (comparator.hpp), whatever the bytes.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "shadowproxy/compare/comparator.hpp"
#include "shadowproxy/compare/json_pointer.hpp"

namespace sc = shadowproxy::compare;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    const std::string pointer_text = input.ConsumeRandomLengthString(64);
    const std::string ignore_text = input.ConsumeRandomLengthString(64);
    shadowproxy::config::compare_config settings;
    settings.float_abs_tolerance = input.ConsumeFloatingPointInRange(0.0, 1.0);
    settings.float_rel_tolerance = input.ConsumeFloatingPointInRange(0.0, 1.0);
    settings.max_diffs = input.ConsumeIntegralInRange<std::size_t>(0, 32);
    const unsigned production_status = input.ConsumeIntegralInRange(100U, 599U);
    const unsigned shadow_status = input.ConsumeBool() ? production_status : 500U;
    const std::string production_body = input.ConsumeRandomLengthString(size);
    const std::string shadow_body = input.ConsumeRemainingBytesAsString();

    const auto pointer = sc::json_pointer::parse(pointer_text);
    if (pointer) {
        settings.prediction_pointer = pointer_text;
        auto doc = nlohmann::json::parse(production_body, nullptr, false);
        if (!doc.is_discarded()) {
            static_cast<void>(pointer->find(doc));
            static_cast<void>(pointer->erase(doc));
        }
        // escape() of every token, joined, must name the same tokens again.
        std::string again;
        for (const auto& token : pointer->tokens()) {
            again.push_back('/');
            sc::json_pointer::append_escaped(again, token);
        }
        const auto reparsed = sc::json_pointer::parse(again);
        if (!reparsed || reparsed->tokens() != pointer->tokens()) {
            __builtin_trap();
        }
    }
    settings.ignore_pointers.clear();
    if (sc::json_pointer::parse(ignore_text)) {
        settings.ignore_pointers.push_back(ignore_text);
    }

    const sc::comparator comparator{settings};
    const sc::side_response production{std::nullopt, production_status, production_body, 1.0};
    const sc::side_response shadow{std::nullopt, shadow_status, shadow_body, 2.0};
    const auto result = comparator.compare(production, shadow);
    if (result.diffs.size() > settings.max_diffs) {
        __builtin_trap();
    }
    if (production_body == shadow_body && production_status == shadow_status &&
        result.result != sc::outcome::match) {
        __builtin_trap();  // byte-identical answers always match
    }
    for (const auto& diff : result.diffs) {
        static_cast<void>(
            diff.production.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        static_cast<void>(
            diff.shadow.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return 0;
}
