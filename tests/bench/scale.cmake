# A 100 000-connection cell through `finwait run`: set-up time, the sampler's cost and
# missed deadlines, the memory of finwait and of the kernel per 10 000 FIN_WAIT2.
fw_bench(bench_scale SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_scale.c
  ${CMAKE_CURRENT_LIST_DIR}/../netns/scalejson.c LIBS fwutil
  PkgConfig::JSONC TIMEOUT 900)
add_dependencies(bench_scale finwait finwait-server finwait-client)
