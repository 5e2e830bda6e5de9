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

# A class the training data lacks: an error naming the file's row (row 4 is
# rank 1's second row).
file(WRITE ${test_csv} "90,80,right\n5,7,left\n70,60,right\n10,30,middle\n")
execute_process(COMMAND ${MPIEXEC} 2 ${NN} train --mpi --data ${train_csv} --test ${test_csv}
        --epochs 2
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "cli_mpi_test.csv: row 4 has the class 'middle'")
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

# ---- hostile launches: every rank fails alike, or trains; never a hang ----

# run_mpi(np args...): out, err and rc of mpirun -np np args, in the caller.
macro(run_mpi np)
    execute_process(COMMAND ${MPIEXEC} ${np} ${ARGN} TIMEOUT 60
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
endmacro()

# More ranks than rows: ranks 4 and 5 have empty shards (of the data and of
# the test split) and still take part in every collective.
set(four_csv ${OUT_DIR}/cli_mpi_four.csv)
file(WRITE ${four_csv} "1,2,a\n3,4,b\n5,6,a\n7,8,b\n")
run_mpi(6 ${NN} train --mpi --data ${four_csv} --epochs 2)
if(NOT rc EQUAL 0 OR NOT out MATCHES "2 train / 2 test rows, 6 ranks")
    message(FATAL_ERROR "nn train --mpi with empty shards (${rc}):\n${out}\n${err}")
endif()

# Ranks reading different files: a wrapper gives rank 0 the file $1, the
# others $2. Widths, class names and tasks that differ fail every rank with
# one message (rank 0's), exit status 1.
# rank_script(path body): an executable sh script that knows its rank as $r.
function(rank_script path body)
    file(WRITE ${path} "#!/bin/sh\nr=\${OMPI_COMM_WORLD_RANK:-\${PMI_RANK:-0}}\n${body}")
    file(CHMOD ${path} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
endfunction()
set(per_rank ${OUT_DIR}/cli_mpi_per_rank.sh)
rank_script(${per_rank} "if [ \"$r\" = 0 ]; then f=$1; else f=$2; fi\nshift 2\n\
exec \"${NN}\" train --mpi --data \"$f\" \"$@\"\n")
set(wide_csv ${OUT_DIR}/cli_mpi_wide.csv)
set(other_csv ${OUT_DIR}/cli_mpi_other.csv)
file(WRITE ${wide_csv} "1,2,0,a\n3,4,0,b\n5,6,0,a\n7,8,0,b\n")
file(WRITE ${other_csv} "1,2,a\n3,4,c\n5,6,a\n7,8,c\n")
foreach(case "wide|rank 1's data has 3 features, rank 0's has 2"
              "other|rank 1's class 1 is 'c', rank 0's is 'b'")
    string(REPLACE "|" ";" case "${case}")
    list(GET case 0 name)
    list(GET case 1 want)
    run_mpi(3 ${per_rank} ${four_csv} ${OUT_DIR}/cli_mpi_${name}.csv --epochs 2)
    string(REGEX MATCHALL "${want}" said "${err}")
    list(LENGTH said n_said)
    if(NOT rc EQUAL 1 OR NOT n_said EQUAL 1)
        message(FATAL_ERROR "nn train --mpi, rank 1 reads ${name} (${rc}):\n${out}\n${err}")
    endif()
endforeach()

# mpirun without --mpi: every process refuses (exit 2) and says to add --mpi,
# instead of training twice into one --out; one rank without --mpi stops the
# job instead of leaving the others waiting.
file(REMOVE ${OUT_DIR}/cli_mpi_twice.nnet)
run_mpi(2 ${NN} train --data ${four_csv} --epochs 2 --out ${OUT_DIR}/cli_mpi_twice.nnet)
if(rc EQUAL 0 OR NOT err MATCHES "without --mpi.*add --mpi"
        OR EXISTS ${OUT_DIR}/cli_mpi_twice.nnet)
    message(FATAL_ERROR "nn train under mpirun without --mpi (${rc}):\n${out}\n${err}")
endif()
set(half ${OUT_DIR}/cli_mpi_half.sh)
rank_script(${half} "if [ \"$r\" = 0 ]; then exec \"${NN}\" train --mpi \"$@\"; fi\n\
exec \"${NN}\" train \"$@\"\n")
run_mpi(2 ${half} --data ${four_csv} --epochs 2)
if(rc EQUAL 0 OR NOT err MATCHES "add --mpi")
    message(FATAL_ERROR "one rank without --mpi (${rc}):\n${out}\n${err}")
endif()

# An epoch count whose learning curve does not fit in memory: a message, not
# a wrapped allocation.
run_mpi(2 ${NN} train --mpi --data ${four_csv} --epochs 576460752303423488)
if(NOT rc EQUAL 1 OR NOT err MATCHES "learning curve of 576460752303423488 epochs")
    message(FATAL_ERROR "nn train --mpi --epochs 2^59 (${rc}):\n${out}\n${err}")
endif()
message(STATUS "empty shards, per-rank files, no --mpi and huge --epochs: all refused alike")
