# The kernel's counters: parsing and deltas (fwcounters), the ends the model says and
# the judge's check of the counters against them (fwrun).
fw_unit_test(test_counters SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_counters.c LIBS fwrun)
