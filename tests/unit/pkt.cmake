fw_unit_test(test_pktclass SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pktclass.c LIBS fwpkt)
