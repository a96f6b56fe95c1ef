# fwlab: namespaces, veth, addresses, sysctls and processes (the lab).
add_library(fwlab STATIC
  ${CMAKE_CURRENT_LIST_DIR}/addr.c
  ${CMAKE_CURRENT_LIST_DIR}/netns.c
  ${CMAKE_CURRENT_LIST_DIR}/link.c
  ${CMAKE_CURRENT_LIST_DIR}/sysctl.c
  ${CMAKE_CURRENT_LIST_DIR}/lab.c
  ${CMAKE_CURRENT_LIST_DIR}/proc.c)
target_include_directories(fwlab PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(fwlab PUBLIC fwutil fwnl PkgConfig::LIBNL Threads::Threads)
