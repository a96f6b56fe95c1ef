# finwait-server and finwait-client in two namespaces of the test's own (uses ip, ss,
# sysctl and curl to cross-check).
fw_netns_test(test_endpoints SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_endpoints.c
  LIBS fwstatus TIMEOUT 120)
add_dependencies(test_endpoints finwait-server finwait-client)
