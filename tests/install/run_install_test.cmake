# Install the build tree to a scratch prefix, then build and run a consumer
# program against it twice: through find_package(nn) and through pkg-config.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
    endif()
    message(STATUS "${out}")
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# 1. find_package
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install -B ${WORK_DIR}/cmake-build
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${C_COMPILER}
    -DCMAKE_BUILD_RPATH=${prefix}/lib -DWITH_MPI=${WITH_MPI})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-build)
run(${WORK_DIR}/cmake-build/consumer)

# 2. pkg-config
file(GLOB_RECURSE pcfile ${prefix}/*/nn.pc)
if(NOT pcfile)
    message(FATAL_ERROR "nn.pc was not installed")
endif()
get_filename_component(pcdir ${pcfile} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pcdir})
execute_process(COMMAND pkg-config --cflags --libs nn OUTPUT_VARIABLE flags
    RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config nn failed")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
get_filename_component(libdir ${pcdir} DIRECTORY)
run(${C_COMPILER} -std=c11 -Wall -Werror ${SOURCE_DIR}/tests/install/consumer.c ${flags}
    -Wl,-rpath,${libdir} -o ${WORK_DIR}/consumer-pc)
run(${WORK_DIR}/consumer-pc)

# 3. The installed nn tool runs from the custom prefix without
#    LD_LIBRARY_PATH: its RPATH finds the libnn.so installed beside it.
if(EXISTS ${prefix}/bin/nn)
    unset(ENV{LD_LIBRARY_PATH})
    run(${prefix}/bin/nn --version)
    execute_process(COMMAND ldd ${prefix}/bin/nn OUTPUT_VARIABLE ldd_out)
    if(NOT ldd_out MATCHES "${prefix}")
        message(FATAL_ERROR "installed nn does not use the installed libnn:\n${ldd_out}")
    endif()
endif()

# 4. The documentation, the sample data and, with the nn tool, its man page,
#    where the build's GNUInstallDirs put them (-DMANDIR, -DDOCDIR: relative).
foreach(d MANDIR DOCDIR)
    if("${${d}}" STREQUAL "" OR IS_ABSOLUTE "${${d}}")
        message(FATAL_ERROR "${d} must be the build's relative CMAKE_INSTALL_${d}, not '${${d}}'")
    endif()
endforeach()
set(docdir ${prefix}/${DOCDIR})
set(expected ${docdir}/README.md ${docdir}/CHANGELOG.md ${docdir}/docs/cli.md
    ${docdir}/docs/api.md ${docdir}/examples/data/iris.csv ${docdir}/examples/data/README.md)
if(EXISTS ${prefix}/bin/nn)
    list(APPEND expected ${prefix}/${MANDIR}/man1/nn.1)
endif()
foreach(f IN LISTS expected)
    if(NOT EXISTS ${f})
        message(FATAL_ERROR "cmake --install did not install ${f}")
    endif()
endforeach()
if(EXISTS ${prefix}/bin/nn)
    file(READ ${prefix}/${MANDIR}/man1/nn.1 page)
    foreach(part ".TH NN 1 " ".SH OPTIONS" ".SS \"nn train\"" "\\fB\\-\\-data\\fR"
            ".SS \"nn export\"" "\\fB\\-\\-onnx\\fR" ".SH EXIT STATUS")
        string(FIND "${page}" "${part}" at)
        if(at LESS 0)
            message(FATAL_ERROR "the installed nn.1 lacks '${part}'")
        endif()
    endforeach()
endif()
message(STATUS "installed the documentation, sample data and man page")

# 5. libnn_mpi through find_package(nn COMPONENTS mpi) and pkg-config nn-mpi
# (one rank: MPI_Init without a launcher).
if(WITH_MPI)
    run(${WORK_DIR}/cmake-build/mpi_consumer)
    execute_process(COMMAND pkg-config --cflags --libs nn-mpi OUTPUT_VARIABLE flags
        RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "pkg-config nn-mpi failed")
    endif()
    separate_arguments(flags UNIX_COMMAND "${flags}")
    run(${C_COMPILER} -std=c11 -Wall -Werror ${SOURCE_DIR}/tests/install/mpi_consumer.c ${flags}
        -Wl,-rpath,${libdir} -o ${WORK_DIR}/mpi-consumer-pc)
    run(${WORK_DIR}/mpi-consumer-pc)
endif()
