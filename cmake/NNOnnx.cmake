# NN_WITH_ONNX: nn_net_export_onnx through libprotobuf-c, with C code
# generated at build time by protoc-c from lib/export/onnx.proto. AUTO
# builds it when both are found, ON requires them, OFF leaves it out (the
# function then returns NN_EINVAL "built without ONNX support"). Sets
# NN_HAVE_ONNX and, when ON, the object library nn_onnx_pb (the generated
# code) and NN_ONNX_LIBS (what libnn links).
set(NN_HAVE_ONNX OFF)
set(NN_PC_ONNX_LIBS "")
string(TOUPPER "${NN_WITH_ONNX}" _nn_onnx_mode)
if(NOT _nn_onnx_mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
    message(FATAL_ERROR "NN_WITH_ONNX is '${NN_WITH_ONNX}': use AUTO, ON or OFF")
endif()
if(NOT _nn_onnx_mode MATCHES "^(OFF|FALSE|NO|0)$")
    find_program(NN_PROTOC_C protoc-c)
    pkg_check_modules(PROTOBUF_C QUIET IMPORTED_TARGET libprotobuf-c)
    if(NN_PROTOC_C AND PROTOBUF_C_FOUND)
        set(NN_HAVE_ONNX ON)
    elseif(NOT _nn_onnx_mode STREQUAL "AUTO")
        message(FATAL_ERROR "NN_WITH_ONNX=ON but protoc-c or libprotobuf-c was not found: "
            "apt-get install libprotobuf-c-dev protobuf-c-compiler")
    endif()
endif()
message(STATUS "ONNX export (NN_WITH_ONNX=${NN_WITH_ONNX}): ${NN_HAVE_ONNX}")
if(NOT NN_HAVE_ONNX)
    return()
endif()

set(_nn_pb_dir ${PROJECT_BINARY_DIR}/lib/export)
add_custom_command(
    OUTPUT ${_nn_pb_dir}/onnx.pb-c.c ${_nn_pb_dir}/onnx.pb-c.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_nn_pb_dir}
    COMMAND ${NN_PROTOC_C} --c_out=${_nn_pb_dir} -I${PROJECT_SOURCE_DIR}/lib/export
        ${PROJECT_SOURCE_DIR}/lib/export/onnx.proto
    DEPENDS ${PROJECT_SOURCE_DIR}/lib/export/onnx.proto
    COMMENT "protoc-c: lib/export/onnx.proto"
    VERBATIM)
# Generated code: compiled into libnn with hidden visibility, without the
# project's warning set (it is not ours to fix).
add_library(nn_onnx_pb OBJECT ${_nn_pb_dir}/onnx.pb-c.c)
set_target_properties(nn_onnx_pb PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden)
target_include_directories(nn_onnx_pb PUBLIC ${_nn_pb_dir})
target_link_libraries(nn_onnx_pb PUBLIC PkgConfig::PROTOBUF_C)
set(NN_ONNX_LIBS PkgConfig::PROTOBUF_C)
set(NN_PC_ONNX_LIBS " -lprotobuf-c") # nn.pc's Libs.private
