# nn_set_warnings(target [LIB]): the project's warning set, PRIVATE to target.
# LIB adds -Wconversion (size_t -> int narrowing and friends) for lib/ code.
include(CheckCCompilerFlag)

set(_nn_warn_candidates
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wcast-qual -Wpointer-arith -Werror=implicit-function-declaration)
set(NN_WARNING_FLAGS "")
foreach(_f IN LISTS _nn_warn_candidates)
    string(MAKE_C_IDENTIFIER "NN_HAS${_f}" _var)
    check_c_compiler_flag(${_f} ${_var})
    if(${_var})
        list(APPEND NN_WARNING_FLAGS ${_f})
    endif()
endforeach()
check_c_compiler_flag("-Wconversion -Wno-sign-conversion" NN_HAS_WCONVERSION)

function(nn_set_warnings target)
    target_compile_options(${target} PRIVATE ${NN_WARNING_FLAGS})
    if("LIB" IN_LIST ARGN AND NN_HAS_WCONVERSION)
        target_compile_options(${target} PRIVATE -Wconversion -Wno-sign-conversion)
    endif()
    if(NN_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
