fw_netns_test(test_sampler SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sampler.c LIBS fwdiag fwwatch fwkinfo fwscen fwmodel
  TIMEOUT 60)
