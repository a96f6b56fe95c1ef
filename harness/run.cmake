# fwkinfo: facts about the running kernel. fwrun: the orchestrator of `finwait run`.
# finwait: the command.
add_library(fwkinfo STATIC ${CMAKE_CURRENT_LIST_DIR}/kinfo.c)
target_link_libraries(fwkinfo PUBLIC fwutil PkgConfig::ZLIB m)

add_library(fwrun STATIC
  ${CMAKE_CURRENT_LIST_DIR}/external.c
  ${CMAKE_CURRENT_LIST_DIR}/cellrun.c
  ${CMAKE_CURRENT_LIST_DIR}/run.c
  ${CMAKE_CURRENT_LIST_DIR}/list.c)
target_compile_definitions(fwrun PRIVATE
  FINWAIT_SCENARIO_DIR="${CMAKE_SOURCE_DIR}/tests/scenarios")
target_include_directories(fwrun PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(fwrun PUBLIC fwscen fwlab fwdiag fwendpoint fwstatus fwkinfo fwutil)

add_executable(finwait ${CMAKE_CURRENT_LIST_DIR}/main.c)
target_link_libraries(finwait PRIVATE fwrun fwkinfo)
