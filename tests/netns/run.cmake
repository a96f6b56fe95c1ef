# finwait run as a user meets it: exit codes, reports, interruption, nothing left behind.
fw_netns_test(test_run SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_run.c LIBS fwutil PkgConfig::JSONC
  TIMEOUT 120)
add_dependencies(test_run finwait finwait-server finwait-client)
