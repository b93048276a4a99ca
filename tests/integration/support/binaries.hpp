// The executables the integration tests run. By default the proxy of this test binary's own
// build tree; the asan and tsan trees do not build the integration tests but run the release
// tree's against their own sanitized proxy, which ctest names in SHADOWPROXY_UNDER_TEST (with
// SHADOWPROXY_SANITIZED=1): what these tests check is the proxy process, so compiling the test
// code three times bought nothing. The example model servers are always this tree's.
// Read once, from any thread (function-local statics).
#pragma once

#include <string>

namespace shadowproxy::testing {

// The shadowproxy binary under test.
const std::string& shadowproxy_binary();
// Whether that binary carries ASan/UBSan or TSan (slower, more memory, no image).
bool sanitized_binary();

}  // namespace shadowproxy::testing
