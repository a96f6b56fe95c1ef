# Unit tests of fwscen: scenarios, matrix, model, reports (pure, no privileges).
# FW_SOURCE_DIR lets them find tests/scenarios and tests/unit/data when run by hand too.
foreach(t test_scenario test_matrix test_model test_states test_middlebox test_report
    test_report_html)
  fw_unit_test(${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.c LIBS fwscen fwmodel fwreport)
  target_compile_definitions(${t} PRIVATE FW_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
endforeach()
# report_out.c: report paths checked up front and files written whole (a temporary dir).
fw_unit_test(test_report_out SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_report_out.c LIBS fwreport)
