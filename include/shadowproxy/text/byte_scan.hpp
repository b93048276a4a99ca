// Finding where a run of plain bytes ends, sixteen bytes at a time where SSE2 is there (every
// x86-64): one loop for the head scanners (a line of text) and the record writer (a JSON string
// that needs no escaping). Header only, pure, any thread.
#pragma once

#include <bit>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace shadowproxy::text {

// The bytes a scan stops at: every byte below SP or from 0x80 up, `also` and `or_also`, except
// `passes` (TAB in a header line; SP, which never stops anyway, when no control may pass).
struct stop_bytes {
    char also;
    char or_also;
    char passes;
};

constexpr bool stops_at(stop_bytes stops, char c) {
    const auto byte = static_cast<unsigned char>(c);
    return ((byte < 0x20 || byte >= 0x80) && c != stops.passes) || c == stops.also ||
           c == stops.or_also;
}

// The first byte of [p, end) that `stops` holds, or `end`; never reads at or past `end`.
inline const char* find_stop(const char* p, const char* end, stop_bytes stops) {
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i also = _mm_set1_epi8(stops.also);
    const __m128i or_also = _mm_set1_epi8(stops.or_also);
    const __m128i passes = _mm_set1_epi8(stops.passes);
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        // The compare is signed, so bytes 0x80-0xFF count as below SP, with the controls.
        const __m128i stop =
            _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(v, passes), _mm_cmplt_epi8(v, space)),
                         _mm_or_si128(_mm_cmpeq_epi8(v, also), _mm_cmpeq_epi8(v, or_also)));
        if (const auto mask = static_cast<unsigned>(_mm_movemask_epi8(stop)); mask != 0) {
            return p + std::countr_zero(mask);
        }
        p += 16;
    }
#endif
    while (p != end && !stops_at(stops, *p)) {
        ++p;
    }
    return p;
}

}  // namespace shadowproxy::text
