fw_bench(bench_diag SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_diag.c LIBS fwdiag TIMEOUT 300)
