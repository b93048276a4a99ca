# Sanitizers as an INTERFACE target: SHADOWPROXY_SANITIZE="address;undefined" or "thread".
add_library(shadowproxy_sanitizers INTERFACE)
if(SHADOWPROXY_SANITIZE)
    list(JOIN SHADOWPROXY_SANITIZE "," _sanitizers)
    target_compile_options(shadowproxy_sanitizers INTERFACE
        -fsanitize=${_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(shadowproxy_sanitizers INTERFACE -fsanitize=${_sanitizers})
endif()
