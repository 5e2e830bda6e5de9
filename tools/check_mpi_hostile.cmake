# Hostile launches of nn train --mpi (included by check_mpi_cli.cmake with
# -DPART=hostile): every rank fails alike with one message, or trains; never
# a hang. -DMPIEXEC="launcher;flags;-n" -DNN=path/to/nn -DOUT_DIR=dir

# run_mpi(np args...): out, err and rc of mpirun -np np args, in the caller.
macro(run_mpi np)
    execute_process(COMMAND ${MPIEXEC} ${np} ${ARGN} TIMEOUT 60
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
endmacro()

# More ranks than rows: rank 4 has an empty shard (of the data and of
# the test split) and still take part in every collective.
set(four_csv ${OUT_DIR}/cli_mpi_four.csv)
file(WRITE ${four_csv} "1,2,a\n3,4,b\n5,6,a\n7,8,b\n")
run_mpi(5 ${NN} train --mpi --data ${four_csv} --epochs 2)
if(NOT rc EQUAL 0 OR NOT out MATCHES "2 train / 2 test rows, 5 ranks")
    message(FATAL_ERROR "nn train --mpi with empty shards (${rc}):\n${out}\n${err}")
endif()

# Ranks reading different files: a wrapper gives rank 0 the file $1, the
# others $2. nn_load_csv_mpi compares each rank's file with rank 0's (size,
# first bytes) before parsing, so another width or other class names fail
# every rank with one message (printed by rank 0), exit status 1.
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
foreach(case "wide|rank 1's [^ ]*cli_mpi_wide.csv is not the file rank 0 read \\(32 bytes, rank 0's 24\\)"
              "other|rank 1's [^ ]*cli_mpi_other.csv is not the file rank 0 read \\(24 bytes, rank 0's 24, other first bytes\\)")
    string(REPLACE "|" ";" case "${case}")
    list(GET case 0 name)
    list(GET case 1 want)
    run_mpi(2 ${per_rank} ${four_csv} ${OUT_DIR}/cli_mpi_${name}.csv --epochs 2)
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

# A huge epoch count: refused by the option parser on every rank (a usage
# error naming the limit), never a wrapped allocation.
run_mpi(2 ${NN} train --mpi --data ${four_csv} --epochs 576460752303423488)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--epochs: at most 1000000")
    message(FATAL_ERROR "nn train --mpi --epochs 2^59 (${rc}):\n${out}\n${err}")
endif()
message(STATUS "empty shards, per-rank files, no --mpi and huge --epochs: all refused alike")
