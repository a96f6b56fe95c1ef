# Lab cell create+destroy time, next to the same cell made by an iproute2 script.
fw_bench(bench_lab SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_lab.c LIBS fwlab
  ARGS ${CMAKE_CURRENT_LIST_DIR}/lab_iproute2.sh 200 100 TIMEOUT 600)
