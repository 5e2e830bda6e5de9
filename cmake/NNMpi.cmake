# NN_WITH_MPI: find MPI and build libnn_mpi (lib/mpi) as nn::mpi, with its
# own export set (nnMpiTargets), which nnConfig.cmake loads only when it
# exists. Sets NN_HAVE_MPI, and for the tests NN_MPIEXEC (the launcher and
# its flags, up to and including the process-count flag).
set(NN_HAVE_MPI OFF)
string(TOUPPER "${NN_WITH_MPI}" _nn_mpi_mode)
if(NOT _nn_mpi_mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
    message(FATAL_ERROR "NN_WITH_MPI is '${NN_WITH_MPI}': use AUTO, ON or OFF")
endif()
if(NOT _nn_mpi_mode MATCHES "^(OFF|FALSE|NO|0)$")
    if(_nn_mpi_mode STREQUAL "AUTO")
        find_package(MPI QUIET COMPONENTS C)
    else()
        find_package(MPI COMPONENTS C)
        if(NOT MPI_C_FOUND)
            message(FATAL_ERROR "NN_WITH_MPI=ON but no C MPI was found: "
                "apt-get install libopenmpi-dev openmpi-bin")
        endif()
    endif()
    if(MPI_C_FOUND)
        set(NN_HAVE_MPI ON)
    endif()
endif()
message(STATUS "libnn_mpi (NN_WITH_MPI=${NN_WITH_MPI}): ${NN_HAVE_MPI}")
if(NOT NN_HAVE_MPI)
    return()
endif()

add_library(nn_mpi SHARED ${PROJECT_SOURCE_DIR}/lib/mpi/mpi.c ${PROJECT_SOURCE_DIR}/lib/mpi/load.c)
add_library(nn::mpi ALIAS nn_mpi)
set_target_properties(nn_mpi PROPERTIES
    OUTPUT_NAME nn_mpi
    EXPORT_NAME mpi
    VERSION ${PROJECT_VERSION}
    SOVERSION ${NN_SOVERSION}
    C_VISIBILITY_PRESET hidden)
target_compile_definitions(nn_mpi PRIVATE NN_BUILDING NN_EXPERIMENTAL)
# <mpi.h> is in nn/mpi.h, so consumers get MPI's flags too.
target_link_libraries(nn_mpi PUBLIC nn MPI::MPI_C)
# lib/ for csv_internal.h: the core's byte-range CSV reader, which libnn
# exports for libnn_mpi alone (nn__ names, in no public header).
target_include_directories(nn_mpi PRIVATE ${PROJECT_SOURCE_DIR}/lib)
nn_set_warnings(nn_mpi LIB)
install(TARGETS nn_mpi EXPORT nnMpiTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT nnMpiTargets NAMESPACE nn:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nn)
export(EXPORT nnMpiTargets NAMESPACE nn:: FILE ${PROJECT_BINARY_DIR}/nnMpiTargets.cmake)

# The launcher for tests and docs. Open MPI refuses root and more ranks than
# cores unless told; other MPIs do not know these flags.
set(NN_MPIEXEC ${MPIEXEC_EXECUTABLE})
execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE _nn_mpiexec_version
    ERROR_QUIET RESULT_VARIABLE _nn_rc)
if(_nn_mpiexec_version MATCHES "Open MPI|OpenRTE")
    list(APPEND NN_MPIEXEC --allow-run-as-root --oversubscribe)
endif()
list(APPEND NN_MPIEXEC ${MPIEXEC_PREFLAGS} ${MPIEXEC_NUMPROC_FLAG})

# pkg-config: nn-mpi.pc requires nn and the MPI's own module when pkg-config
# knows one (Debian: mpi-c, Open MPI: ompi-c); else MPI's flags are spelled out.
find_package(PkgConfig QUIET)
set(NN_MPI_PC_REQUIRES "nn")
set(NN_MPI_PC_CFLAGS "")
set(NN_MPI_PC_LIBS "")
foreach(_m mpi-c ompi-c)
    pkg_check_modules(_nn_pc_${_m} QUIET ${_m})
    if(_nn_pc_${_m}_FOUND)
        string(APPEND NN_MPI_PC_REQUIRES " ${_m}")
        break()
    endif()
endforeach()
if(NN_MPI_PC_REQUIRES STREQUAL "nn")
    foreach(_d IN LISTS MPI_C_INCLUDE_DIRS)
        string(APPEND NN_MPI_PC_CFLAGS " -I${_d}")
    endforeach()
    foreach(_l IN LISTS MPI_C_LIBRARIES)
        string(APPEND NN_MPI_PC_LIBS " ${_l}")
    endforeach()
endif()

# Environment of the tests run under the launcher: one BLAS thread per rank;
# under ASan, Open MPI's own never-freed allocations suppressed (with its
# components kept loaded and full stacks, so that the suppressions match).
set(NN_MPI_TEST_ENV
    "OPENBLAS_NUM_THREADS=1"
    "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan_mpi.supp:fast_unwind_on_malloc=0"
    "OMPI_MCA_mca_base_component_disable_dlclose=1"
    "PMIX_MCA_mca_base_component_disable_dlclose=1")
