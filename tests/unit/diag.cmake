fw_unit_test(test_timeline SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_timeline.c LIBS fwdiag)
fw_unit_test(test_timeline_phase SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_timeline_phase.c
 LIBS fwdiag)
fw_unit_test(test_series SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_series.c LIBS fwdiag)
fw_unit_test(test_watch_out SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_watch_out.c LIBS fwwatch)
