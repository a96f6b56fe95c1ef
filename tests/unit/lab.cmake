# The lab's pure parts: the address allocator and the sysctl key classifier.
fw_unit_test(test_addr SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_addr.c LIBS fwlab)
fw_unit_test(test_sysctl SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sysctl.c LIBS fwlab)
