fw_unit_test(test_kinfo SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_kinfo.c LIBS fwkinfo)
