# owner.c, sockopts.c and sampler_held() on a process that holds a socket in a namespace.
fw_netns_test(test_owner_netns SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_owner_netns.c
  LIBS fwowner fwdiag TIMEOUT 60)
