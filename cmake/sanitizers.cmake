# Sanitizers as an INTERFACE target: SHADOWPROXY_SANITIZE="address;undefined" or "thread".
add_library(shadowproxy_sanitizers INTERFACE)
if(SHADOWPROXY_SANITIZE)
    list(JOIN SHADOWPROXY_SANITIZE "," _sanitizers)
    target_compile_options(shadowproxy_sanitizers INTERFACE
        -fsanitize=${_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(shadowproxy_sanitizers INTERFACE -fsanitize=${_sanitizers})
    if("undefined" IN_LIST SHADOWPROXY_SANITIZE AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        # Clang's vptr check is the one UBSan check left out. Its slow path asks the kernel
        # through a pipe() whether a vptr is readable; with every descriptor in use (the
        # descriptor exhaustion test runs the proxy at its RLIMIT_NOFILE) the pipe cannot be made
        # and any first virtual call of a type (error_code::message(), exception::what()) is
        # reported as a call through an invalid vptr. ASan still catches the use-after-free such
        # a call would be.
        target_compile_options(shadowproxy_sanitizers INTERFACE -fno-sanitize=vptr)
        target_link_options(shadowproxy_sanitizers INTERFACE -fno-sanitize=vptr)
    endif()
    if("thread" IN_LIST SHADOWPROXY_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        # GCC warns that Asio's std_fenced_block uses atomic_thread_fence, which TSan does not
        # model; Asio's handler hand-off is mutex-ordered too, so the fence is not what we rely on.
        target_compile_options(shadowproxy_sanitizers INTERFACE -Wno-tsan)
    endif()
endif()
