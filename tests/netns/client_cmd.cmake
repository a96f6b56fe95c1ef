# A client finwait did not write (client.program = command): its point seen in the
# client's namespace, the fault done on its processes, refusals, nothing left behind.
fw_netns_test(test_client_cmd SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_client_cmd.c
  ${CMAKE_CURRENT_LIST_DIR}/runcmd.c LIBS fwutil TIMEOUT 120)
add_dependencies(test_client_cmd finwait finwait-server finwait-client)
