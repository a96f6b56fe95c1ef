# fwkinfo: facts about the running kernel. finwait: the command.
add_library(fwkinfo STATIC kinfo.c)
target_link_libraries(fwkinfo PUBLIC fwutil PkgConfig::ZLIB m)

add_executable(finwait main.c)
target_link_libraries(finwait PRIVATE fwutil fwkinfo)
