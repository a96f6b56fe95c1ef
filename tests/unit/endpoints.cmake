fw_unit_test(test_status SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_status.c LIBS fwstatus)
fw_unit_test(test_server_opts SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_server_opts.c LIBS fwendpoint)
fw_unit_test(test_client_opts SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_client_opts.c LIBS fwendpoint)
fw_unit_test(test_scan SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_scan.c LIBS fwendpoint)
