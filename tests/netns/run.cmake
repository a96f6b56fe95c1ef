# finwait run as a user meets it: exit codes, reports, interruption, nothing left behind.
fw_netns_test(test_run SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_run.c
  ${CMAKE_CURRENT_LIST_DIR}/runcmd.c LIBS fwutil PkgConfig::JSONC TIMEOUT 120)
add_dependencies(test_run finwait finwait-server finwait-client)
# The command line as a user expects it: report paths refused up front, built-ins run by
# name, one-off matrices, key suggestions, shards and their merge.
fw_netns_test(test_cli SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cli.c
  ${CMAKE_CURRENT_LIST_DIR}/runcmd.c LIBS fwutil PkgConfig::JSONC TIMEOUT 120)
add_dependencies(test_cli finwait finwait-server finwait-client)
