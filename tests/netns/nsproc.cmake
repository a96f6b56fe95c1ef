# nsproc.c: a client command's processes frozen, let go and killed by namespace.
fw_netns_test(test_nsproc SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_nsproc.c LIBS fwlab TIMEOUT 60)
