# Every shipped scenario, and the built-in default, must pass: `finwait run` exits 0.
# They run real namespaces, so they carry the netns label.
file(GLOB FW_SCENARIOS CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.ini)
list(SORT FW_SCENARIOS)
foreach(sc ${FW_SCENARIOS})
  get_filename_component(name ${sc} NAME_WE)
  add_test(NAME scenario_${name} COMMAND finwait run ${sc})
  set_tests_properties(scenario_${name} PROPERTIES LABELS "netns;scenario"
    SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
add_test(NAME scenario_builtin_default COMMAND finwait run)
set_tests_properties(scenario_builtin_default PROPERTIES LABELS "netns;scenario"
  SKIP_RETURN_CODE 77 TIMEOUT 120)
