# docs/cli.md must hold the option tables that `nn --markdown-options`
# prints, so the reference never drifts from the tool.
# Usage: cmake -DNN=path/to/nn -DDOC=docs/cli.md -P check_docs.cmake
execute_process(COMMAND ${NN} --markdown-options OUTPUT_VARIABLE tables RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nn --markdown-options failed (${rc})")
endif()
file(READ ${DOC} doc)
string(FIND "${doc}" "${tables}" at)
if(at EQUAL -1)
    message(FATAL_ERROR "${DOC} does not hold the current option tables; regenerate them with "
                        "`nn --markdown-options` (see the end of ${DOC})")
endif()
message(STATUS "docs/cli.md holds the current option tables")
