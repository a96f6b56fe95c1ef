# fwscen: scenarios and their matrix, the expectation model, report writers. Pure.
add_library(fwscen STATIC
  ${CMAKE_CURRENT_LIST_DIR}/scenario.c
  ${CMAKE_CURRENT_LIST_DIR}/model.c
  ${CMAKE_CURRENT_LIST_DIR}/report.c)
target_include_directories(fwscen PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(fwscen PUBLIC fwutil PkgConfig::INIH PkgConfig::JSONC)
