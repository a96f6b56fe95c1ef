fw_unit_test(test_judge_packets SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_judge_packets.c LIBS fwrun)
