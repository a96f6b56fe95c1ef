# Bad input refused before anything runs: exit 2 with file:line, sysctls probed in a
# throwaway lab namespace.
fw_netns_test(test_refuse SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_refuse.c
  ${CMAKE_CURRENT_LIST_DIR}/runcmd.c LIBS fwutil
  TIMEOUT 120)
add_dependencies(test_refuse finwait finwait-server finwait-client)
