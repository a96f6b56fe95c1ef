# The lab in real namespaces: cells, TCP across them, sysctls, teardown, rootless, proc.
fw_netns_test(test_lab SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lab.c LIBS fwlab TIMEOUT 120)
