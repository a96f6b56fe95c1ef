fw_unit_test(test_external SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_external.c
 LIBS fwrun)
# suggest.c: "did you mean" from the schema's rows and a fake /proc/sys tree.
fw_unit_test(test_suggest SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_suggest.c LIBS fwrun)
# evpipe.c: status lines from a pipe, the times they report clamped to what was seen.
fw_unit_test(test_evpipe SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_evpipe.c LIBS fwrun)
