fw_unit_test(test_external SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_external.c
 LIBS fwrun)
