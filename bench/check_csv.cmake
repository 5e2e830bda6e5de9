# Run each bench on a tiny cell with --csv and check that the CSV parses:
# the expected header, at least one row, the same field count in every
# row, and positive numbers where numbers belong.
function(run_and_check name expected_header numeric_fields)
    set(csv ${OUT_DIR}/${name}_smoke.csv)
    file(REMOVE ${csv})
    execute_process(COMMAND ${ARGN} --csv ${csv} RESULT_VARIABLE rc OUTPUT_VARIABLE out
        ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${name} failed (${rc}):\n${out}\n${err}")
    endif()
    file(STRINGS ${csv} lines)
    list(LENGTH lines n)
    if(n LESS 2)
        message(FATAL_ERROR "${name}: CSV has no data rows")
    endif()
    list(GET lines 0 header)
    if(NOT header STREQUAL expected_header)
        message(FATAL_ERROR "${name}: unexpected CSV header: ${header}")
    endif()
    string(REPLACE "," ";" hfields "${header}")
    list(LENGTH hfields nh)
    list(REMOVE_AT lines 0)
    foreach(line IN LISTS lines)
        string(REPLACE "," ";" fields "${line}")
        list(LENGTH fields nf)
        if(NOT nf EQUAL nh)
            message(FATAL_ERROR "${name}: row has ${nf} fields, header ${nh}: ${line}")
        endif()
        foreach(i IN LISTS numeric_fields)
            list(GET fields ${i} v)
            if(NOT v MATCHES "^[0-9]+(\\.[0-9]+)?(e[-+]?[0-9]+)?$" OR v STREQUAL "0")
                message(FATAL_ERROR "${name}: field ${i} is not a positive number: ${v}")
            endif()
        endforeach()
    endforeach()
    message(STATUS "${name}: ${n} CSV lines ok")
endfunction()

set(epoch_header "shape,arch,batch,hidden,epoch_ms_median,epoch_ms_min,epoch_ms_max,floor_ms_median,floor_ms_min,floor_ms_max,ratio,ratio_paired,samples_per_s,gflops,floor_gflops,fit_call_ms,fit_overhead_ms,peak_rss_kib,n_epochs,threads,simd,activation,task,gemm_path,gemm_small_shapes,gemm_blas_shapes,gemm_timed_shapes,gemm_plan_ms,numpy_ms,dtype")
run_and_check(epoch_bench "${epoch_header}"
    "2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19"
    ${EPOCH_BENCH} --shape tutorial --batch 128 --hidden 16 --epochs 1)
# Every GEMM path, each cell once per path: the shape counts add up to the
# cell's products (2-16-2, batch 128 of 3750 rows: 5 products for the full
# batch and 5 for the last, 38 rows), every shape on the forced path.
run_and_check(epoch_bench_gemm_paths "${epoch_header}"
    "2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19"
    ${EPOCH_BENCH} --shape tutorial --batch 128 --hidden 16 --epochs 1 --gemm auto,small,blas)
file(STRINGS ${OUT_DIR}/epoch_bench_gemm_paths_smoke.csv rows REGEX "^tutorial")
foreach(row IN LISTS rows)
    string(REPLACE "," ";" f "${row}")
    list(GET f 23 path)
    list(GET f 24 n_small)
    list(GET f 25 n_blas)
    math(EXPR total "${n_small} + ${n_blas}")
    if(NOT total EQUAL 10 OR (path STREQUAL "small" AND NOT n_blas EQUAL 0)
       OR (path STREQUAL "blas" AND NOT n_small EQUAL 0))
        message(FATAL_ERROR
            "epoch_bench --gemm: ${path} has ${n_small} small and ${n_blas} blas shapes")
    endif()
endforeach()
# Both dtypes in one run, each row naming its own.
run_and_check(epoch_bench_dtypes "${epoch_header}"
    "2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19"
    ${EPOCH_BENCH} --shape tutorial --batch 128 --hidden 16 --epochs 1 --dtype f64,f32)
file(STRINGS ${OUT_DIR}/epoch_bench_dtypes_smoke.csv rows REGEX "^tutorial")
set(dtypes "")
foreach(row IN LISTS rows)
    string(REPLACE "," ";" f "${row}")
    list(GET f 29 dt)
    list(APPEND dtypes ${dt})
endforeach()
if(NOT dtypes STREQUAL "f64;f32")
    message(FATAL_ERROR "epoch_bench --dtype f64,f32: rows of ${dtypes}")
endif()
run_and_check(epoch_bench_tanh_regress "${epoch_header}"
    "2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19"
    ${EPOCH_BENCH} --shape tutorial --batch 128 --hidden 16 --epochs 1 --activation tanh
    --task regress)
run_and_check(kernel_bench
    "kernel,impl,rows,cols,ns_median,ns_min,ns_p90,elems_per_ns,n_runs"
    "2;3;4;5;6;7;8"
    ${KERNEL_BENCH} --quick)
