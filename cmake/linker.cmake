# The linker every executable uses: SHADOWPROXY_LINKER is passed as -fuse-ld= (default lld,
# Debian package lld; it links the large sanitizer test executables in about half the CPU time of
# GNU ld). When the compiler cannot link with it, the toolchain's default linker is used and
# configuring says so. Empty: the toolchain's default.
set(SHADOWPROXY_LINKER "lld" CACHE STRING "Linker for -fuse-ld= (lld, mold, gold, bfd); empty: default")
if(SHADOWPROXY_LINKER)
    include(CheckLinkerFlag)
    string(MAKE_C_IDENTIFIER "SHADOWPROXY_LINKER_${SHADOWPROXY_LINKER}_WORKS" _linker_works)
    check_linker_flag(CXX "-fuse-ld=${SHADOWPROXY_LINKER}" ${_linker_works})
    if(${_linker_works})
        add_link_options("-fuse-ld=${SHADOWPROXY_LINKER}")
    else()
        message(STATUS "-fuse-ld=${SHADOWPROXY_LINKER} does not link here: the default linker")
    endif()
endif()
