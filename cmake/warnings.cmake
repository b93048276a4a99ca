# Warnings as an INTERFACE target every target links; -Werror is switched on in CI.
add_library(shadowproxy_warnings INTERFACE)
target_compile_options(shadowproxy_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual)
if(SHADOWPROXY_WERROR)
    target_compile_options(shadowproxy_warnings INTERFACE -Werror)
endif()
