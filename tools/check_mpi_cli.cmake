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

# --test FILE: a separate test set, read rows rank::size on each rank, its
# string labels matched to the training data's by name. Two integer features,
# class "right" when x + y > 100, else "left"; the test file lists the names
# in the other order of first appearance.
set(train_csv ${OUT_DIR}/cli_mpi_train.csv)
set(test_csv ${OUT_DIR}/cli_mpi_test.csv)
set(rows "")
foreach(i RANGE 0 299)
    math(EXPR x "(${i} * 37) % 101")
    math(EXPR y "(${i} * 53 + 11) % 97")
    math(EXPR s "${x} + ${y}")
    if(s GREATER 100)
        string(APPEND rows "${x},${y},right\n")
    else()
        string(APPEND rows "${x},${y},left\n")
    endif()
endforeach()
file(WRITE ${train_csv} "${rows}")
file(WRITE ${test_csv} "90,80,right\n5,7,left\n70,60,right\n10,30,left\n99,2,right\n3,3,left\n")
set(model ${OUT_DIR}/cli_mpi_test.nnet)
file(REMOVE ${model})
execute_process(COMMAND ${MPIEXEC} 2 ${NN} train --mpi --data ${train_csv} --test ${test_csv}
        --epochs 40 --out ${model}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES
        "test accuracy ([0-9.]+) +mean loss ([0-9.]+) +.300 train / 6 test rows, 2 ranks")
    message(FATAL_ERROR "nn train --mpi --test failed (${rc}):\n${out}\n${err}")
endif()
set(acc_train "${CMAKE_MATCH_1} ${CMAKE_MATCH_2}")
execute_process(COMMAND ${NN} eval ${model} --data ${test_csv} --all
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "accuracy ([0-9.]+) +mean loss ([0-9.]+) ")
    message(FATAL_ERROR "nn eval --all failed (${rc}):\n${out}\n${err}")
endif()
if(NOT acc_train STREQUAL "${CMAKE_MATCH_1} ${CMAKE_MATCH_2}")
    message(FATAL_ERROR "train --mpi --test said ${acc_train} (accuracy, loss), eval --all says "
        "${CMAKE_MATCH_1} ${CMAKE_MATCH_2}")
endif()
# A class the training data lacks: an error naming the file's row (row 4 is
# rank 1's second row).
file(WRITE ${test_csv} "90,80,right\n5,7,left\n70,60,right\n10,30,middle\n")
execute_process(COMMAND ${MPIEXEC} 2 ${NN} train --mpi --data ${train_csv} --test ${test_csv}
        --epochs 2
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "cli_mpi_test.csv: row 4 has the class 'middle'")
    message(FATAL_ERROR "nn train --mpi with an unknown test class (${rc}):\n${out}\n${err}")
endif()
message(STATUS "--test with --mpi: test accuracy and loss ${acc_train} from train --mpi and from eval --all")
