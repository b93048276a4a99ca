# Sanitizers as an INTERFACE target: SHADOWPROXY_SANITIZE="address;undefined" or "thread".
add_library(shadowproxy_sanitizers INTERFACE)
if(SHADOWPROXY_SANITIZE)
    list(JOIN SHADOWPROXY_SANITIZE "," _sanitizers)
    target_compile_options(shadowproxy_sanitizers INTERFACE
        -fsanitize=${_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(shadowproxy_sanitizers INTERFACE -fsanitize=${_sanitizers})
    if("undefined" IN_LIST SHADOWPROXY_SANITIZE AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        target_compile_options(shadowproxy_sanitizers INTERFACE
            -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/cmake/ubsan-ignorelist.txt)
    endif()
    if("thread" IN_LIST SHADOWPROXY_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        # GCC warns that Asio's std_fenced_block uses atomic_thread_fence, which TSan does not
        # model; Asio's handler hand-off is mutex-ordered too, so the fence is not what we rely on.
        target_compile_options(shadowproxy_sanitizers INTERFACE -Wno-tsan)
    endif()
endif()
