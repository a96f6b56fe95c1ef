# Cells larger than one process: finwait-server split across processes under a low
# descriptor limit; arrival rates.
fw_netns_test(test_scale SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_scale.c
  ${CMAKE_CURRENT_LIST_DIR}/runcmd.c ${CMAKE_CURRENT_LIST_DIR}/scalejson.c LIBS fwlab fwutil PkgConfig::JSONC
  TIMEOUT 120)
add_dependencies(test_scale finwait finwait-server finwait-client)
