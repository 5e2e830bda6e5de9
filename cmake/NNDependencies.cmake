# OpenBLAS and LAPACKE through pkg-config; a missing one stops configuration
# with the Debian package that provides it.
find_package(PkgConfig QUIET)
if(NOT PKG_CONFIG_FOUND)
    message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

pkg_check_modules(OPENBLAS QUIET IMPORTED_TARGET openblas)
if(NOT OPENBLAS_FOUND)
    message(FATAL_ERROR "OpenBLAS not found through pkg-config 'openblas': "
        "apt-get install libopenblas-dev")
endif()
pkg_check_modules(LAPACKE QUIET IMPORTED_TARGET lapacke)
if(NOT LAPACKE_FOUND)
    message(FATAL_ERROR "LAPACKE not found through pkg-config 'lapacke': "
        "apt-get install liblapacke-dev")
endif()
find_library(NN_LIBM m)
# POSIX threads: a fit's worker pool (lib/pool.c).
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)

# cmocka 1.1 ships a config file that defines no imported target, so wrap it.
function(nn_find_cmocka)
    if(TARGET cmocka::cmocka)
        return()
    endif()
    find_package(cmocka CONFIG QUIET)
    if(CMOCKA_LIBRARY AND CMOCKA_INCLUDE_DIR)
        add_library(cmocka::cmocka INTERFACE IMPORTED GLOBAL)
        set_target_properties(cmocka::cmocka PROPERTIES
            INTERFACE_LINK_LIBRARIES "${CMOCKA_LIBRARY}"
            INTERFACE_INCLUDE_DIRECTORIES "${CMOCKA_INCLUDE_DIR}")
        return()
    endif()
    pkg_check_modules(CMOCKA QUIET IMPORTED_TARGET GLOBAL cmocka)
    if(CMOCKA_FOUND)
        add_library(cmocka::cmocka ALIAS PkgConfig::CMOCKA)
        return()
    endif()
    message(FATAL_ERROR "cmocka not found (needed for the tests): "
        "apt-get install libcmocka-dev, or configure with -DNN_BUILD_TESTS=OFF")
endfunction()
