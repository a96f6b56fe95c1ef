# What the packet capture costs one 1 000-connection cell: missed sampler deadlines and
# CPU, with and without it.
fw_bench(bench_capture SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_capture.c LIBS fwrun
  ARGS 3 1000 TIMEOUT 300)
