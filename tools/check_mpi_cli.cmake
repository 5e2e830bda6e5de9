# nn train --mpi on 2 ranks, then nn eval of the model it wrote: the same
# test accuracy, since both take the same test split of the same data.
# -DMPIEXEC="launcher;flags;-n" -DNN=path/to/nn -DOUT_DIR=dir
set(model ${OUT_DIR}/cli_mpi.nnet)
file(REMOVE ${model})
execute_process(COMMAND ${MPIEXEC} 2 ${NN} train --mpi --epochs 10 --out ${model}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "test accuracy (0\\.[0-9]+) .*2 ranks")
    message(FATAL_ERROR "nn train --mpi failed (${rc}):\n${out}\n${err}")
endif()
set(acc_train ${CMAKE_MATCH_1})
execute_process(COMMAND ${NN} eval ${model} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "accuracy (0\\.[0-9]+) ")
    message(FATAL_ERROR "nn eval failed (${rc}):\n${out}")
endif()
if(NOT acc_train STREQUAL CMAKE_MATCH_1 OR acc_train LESS 0.9)
    message(FATAL_ERROR "train --mpi said ${acc_train}, eval says ${CMAKE_MATCH_1}")
endif()
message(STATUS "test accuracy ${acc_train} from train --mpi and from eval")
