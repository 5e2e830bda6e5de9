# nn train --mpi on 2 ranks, then nn eval of the model it wrote: the same
# test accuracy, since both take the same test split of the same data.
# -DMPIEXEC="launcher;flags;-n" -DNN=path/to/nn -DOUT_DIR=dir
# [-DPART=hostile: only the hostile launches at the end (a test of its own,
# cli_train_mpi_hostile, so that each stays within its timeout under ASan)]
if(PART STREQUAL "hostile")
    include(${CMAKE_CURRENT_LIST_DIR}/check_mpi_hostile.cmake)
    return()
endif()
set(model ${OUT_DIR}/cli_mpi.nnet)
file(REMOVE ${model})
execute_process(COMMAND ${MPIEXEC} 2 ${NN} train --mpi --epochs 10 --out ${model}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "test accuracy (0\\.[0-9]+) .*2 ranks")
    message(FATAL_ERROR "nn train --mpi failed (${rc}):\n${out}\n${err}")
endif()
set(acc_train ${CMAKE_MATCH_1})
execute_process(COMMAND ${NN} eval ${model} --data moons --split RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out MATCHES "accuracy (0\\.[0-9]+) ")
    message(FATAL_ERROR "nn eval failed (${rc}):\n${out}")
endif()
if(NOT acc_train STREQUAL CMAKE_MATCH_1 OR acc_train LESS 0.9)
    message(FATAL_ERROR "train --mpi said ${acc_train}, eval says ${CMAKE_MATCH_1}")
endif()
message(STATUS "test accuracy ${acc_train} from train --mpi and from eval")

# --test FILE: a separate test set, read rows rank::size on each rank, its
# string labels matched to the training data's by name. Two integer features,
# class "right" when x + y > 100, else "left"; a regression target x - y.
set(train_csv ${OUT_DIR}/cli_mpi_train.csv)
set(reg_csv ${OUT_DIR}/cli_mpi_reg.csv)
set(test_csv ${OUT_DIR}/cli_mpi_test.csv)
set(rows "")
set(reg_rows "")
foreach(i RANGE 0 299)
    math(EXPR x "(${i} * 37) % 101")
    math(EXPR y "(${i} * 53 + 11) % 97")
    math(EXPR s "${x} + ${y}")
    math(EXPR d "${x} - ${y}")
    if(s GREATER 100)
        string(APPEND rows "${x},${y},right\n")
    else()
        string(APPEND rows "${x},${y},left\n")
    endif()
    string(APPEND reg_rows "${x},${y},${d}\n")
endforeach()
file(WRITE ${train_csv} "${rows}")
file(WRITE ${reg_csv} "${reg_rows}")

# train --mpi --test on 2 ranks, then nn eval --all on the test file: the same
# score and loss. ARGN: the training data and options; n_test: the test rows.
function(check_test_file n_test)
    set(model ${OUT_DIR}/cli_mpi_test.nnet)
    file(REMOVE ${model})
    execute_process(COMMAND ${MPIEXEC} 2 ${NN} train --mpi ${ARGN} --test ${test_csv}
            --epochs 40 --out ${model}
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0 OR NOT out MATCHES
            "test ([A-Za-z^2]+ [0-9.]+) +mean loss ([0-9.]+) +.300 train / ${n_test} test rows")
        message(FATAL_ERROR "nn train --mpi ${ARGN} --test failed (${rc}):\n${out}\n${err}")
    endif()
    set(got "${CMAKE_MATCH_1}, loss ${CMAKE_MATCH_2}")
    execute_process(COMMAND ${NN} eval ${model} --data ${test_csv} --all
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0 OR NOT out MATCHES "^([A-Za-z^2]+ [0-9.]+) +mean loss ([0-9.]+) ")
        message(FATAL_ERROR "nn eval --all failed (${rc}):\n${out}\n${err}")
    endif()
    if(NOT got STREQUAL "${CMAKE_MATCH_1}, loss ${CMAKE_MATCH_2}")
        message(FATAL_ERROR "train --mpi --test said ${got}; eval --all says "
            "${CMAKE_MATCH_1}, loss ${CMAKE_MATCH_2}")
    endif()
    message(STATUS "--mpi --test (${n_test} rows): ${got} from train --mpi and from eval --all")
endfunction()

file(WRITE ${test_csv} "90,80,right\n5,7,left\n70,60,right\n10,30,left\n99,2,right\n3,3,left\n")
check_test_file(6 --data ${train_csv})
# One row: rank 1's shard is empty; the file's only class, "right", is its
# class 0 but the training data's class 1 (renumbered by name).
file(WRITE ${test_csv} "90,80,right\n")
check_test_file(1 --data ${train_csv})
file(WRITE ${test_csv} "10,20,-10\n50,50,0\n80,5,75\n")
check_test_file(3 --data ${reg_csv} --task regress)

# A class the training data lacks: an error naming the file's line (line 4 is
# rank 1's second row).
file(WRITE ${test_csv} "90,80,right\n5,7,left\n70,60,right\n10,30,middle\n")
execute_process(COMMAND ${MPIEXEC} 2 ${NN} train --mpi --data ${train_csv} --test ${test_csv}
        --epochs 2
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "cli_mpi_test.csv: line 4 has the class 'middle'")
    message(FATAL_ERROR "nn train --mpi with an unknown test class (${rc}):\n${out}\n${err}")
endif()
# A test file of another width: one error, from rank 0, on every rank's exit.
file(WRITE ${test_csv} "90,80,1,right\n5,7,2,left\n")
execute_process(COMMAND ${MPIEXEC} 2 ${NN} train --mpi --data ${train_csv} --test ${test_csv}
        --epochs 2
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX MATCHALL "has 3 features but [^ ]+ has 2" said "${err}")
list(LENGTH said n_said)
if(NOT rc EQUAL 1 OR NOT n_said EQUAL 1)
    message(FATAL_ERROR "nn train --mpi with a wider test file (${rc}):\n${out}\n${err}")
endif()
