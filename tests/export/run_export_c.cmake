# Compile every exported header written by export_gen (CASES/cases.txt)
# against predict_check.c + predict_tu2.c with the first C compiler given,
# as strict C99 with warnings as errors, run it on the case's 1000 rows and
# require agreement with nn_net_forward: 1e-12 for double headers, 1e-5 for
# float ones (see predict_check.c for the error measure); a single-precision
# net (dtype f32 in the manifest) has only a float header. The other C
# compilers check that every header compiles cleanly (-fsyntax-only: their
# warnings come from the front end). Two cases are also compiled and run as
# C++ (C++11) with each C++ compiler given.
#
# cmake -DCASES=dir -DSRC=tests/export "-DCC=cc1;cc2" "-DCXX=cxx1;cxx2"
#       [-DSAN="-fsanitize=..."] -P run_export_c.cmake
cmake_minimum_required(VERSION 3.25)
set(C_FLAGS -std=c99 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wdouble-promotion
    -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual -Werror)
set(CXX_FLAGS -x c++ -std=c++11 -O2 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror)
set(CXX_CASES mixed classify_gelu)
separate_arguments(SAN_FLAGS UNIX_COMMAND "${SAN}")

# Each compiler once, whatever name it was found under (cc -> gcc ...).
function(unique_compilers out)
    set(seen "")
    set(result "")
    foreach(c IN LISTS ARGN)
        if(c STREQUAL "" OR c MATCHES "NOTFOUND$")
            continue()
        endif()
        get_filename_component(real "${c}" REALPATH)
        if(NOT real IN_LIST seen)
            list(APPEND seen "${real}")
            list(APPEND result "${c}")
        endif()
    endforeach()
    set(${out} "${result}" PARENT_SCOPE)
endfunction()
unique_compilers(ccs ${CC})
unique_compilers(cxxs ${CXX})
if(NOT ccs)
    message(FATAL_ERROR "no C compiler given")
endif()

file(STRINGS ${CASES}/cases.txt lines)
if(NOT lines)
    message(FATAL_ERROR "${CASES}/cases.txt is empty: did export_gen run?")
endif()

set(failures 0)
set(runs 0)
set(work ${CASES}/bin)
file(MAKE_DIRECTORY ${work})

# build_and_run(compiler flags-var case precision tolerance [SYNTAX_ONLY])
function(build_and_run compiler flags_var name prec tol)
    string(TOUPPER "${name}" up)
    set(pfx ${name})
    set(real double)
    if(prec STREQUAL "f")
        set(pfx ${name}_f)
        string(TOUPPER "${pfx}" up)
        set(real float)
    endif()
    get_filename_component(cname "${compiler}" NAME)
    set(exe ${work}/${name}_${prec}_${cname})
    set(outputs -o ${exe} -lm)
    if("SYNTAX_ONLY" IN_LIST ARGN)
        set(outputs -fsyntax-only)
    endif()
    execute_process(
        COMMAND ${compiler} ${${flags_var}} ${SAN_FLAGS} -I${CASES}
            "-DHEADER=\"${name}_${prec}.h\"" -DPFX=${pfx} -DPFX_UP=${up} -DREAL=${real}
            -DTOL=${tol} ${SRC}/predict_check.c ${SRC}/predict_tu2.c ${outputs}
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    math(EXPR n "${runs} + 1")
    set(runs ${n} PARENT_SCOPE)
    if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
        message("FAIL ${cname} ${name}_${prec}.h does not compile cleanly (${rc}):\n${out}${err}")
        math(EXPR f "${failures} + 1")
        set(failures ${f} PARENT_SCOPE)
        return()
    endif()
    if("SYNTAX_ONLY" IN_LIST ARGN)
        message("ok   ${cname}: ${name}_${prec}.h compiles without a warning")
        return()
    endif()
    execute_process(COMMAND ${exe} ${CASES}/${name}.in ${CASES}/${name}.out 1000
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    string(STRIP "${out}" out)
    if(NOT rc EQUAL 0)
        message("FAIL ${cname}: ${out} ${err}")
        math(EXPR f "${failures} + 1")
        set(failures ${f} PARENT_SCOPE)
    else()
        message("ok   ${cname}: ${out}")
    endif()
endfunction()

foreach(line IN LISTS lines)
    string(REPLACE " " ";" fields "${line}")
    list(GET fields 0 name)
    list(GET fields 4 dtype)
    set(mode "")
    foreach(cc IN LISTS ccs)
        # A single-precision net has only its float header.
        if(dtype STREQUAL "f64")
            build_and_run(${cc} C_FLAGS ${name} d 1e-12 ${mode})
        endif()
        build_and_run(${cc} C_FLAGS ${name} f 1e-5 ${mode})
        set(mode SYNTAX_ONLY)
    endforeach()
    if(name IN_LIST CXX_CASES)
        foreach(cxx IN LISTS cxxs)
            build_and_run(${cxx} CXX_FLAGS ${name} d 1e-12)
            build_and_run(${cxx} CXX_FLAGS ${name} f 1e-5)
        endforeach()
    endif()
endforeach()

list(JOIN ccs ", " ccs_text)
list(JOIN cxxs ", " cxxs_text)
message("${runs} header compilations (C: ${ccs_text}, the first run; C++: ${cxxs_text}), "
    "${failures} failed")
if(failures GREATER 0)
    message(FATAL_ERROR "${failures} exported headers failed")
endif()
