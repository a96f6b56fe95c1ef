# owner.c and sockopts.c without privilege: a fake procfs tree, this process's own sockets.
fw_unit_test(test_owner SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_owner.c LIBS fwowner)
