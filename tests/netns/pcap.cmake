# The packet witness as a user meets it: --pcap files tcpdump reads back, "packets" in the
# JSON, a --pcap that cannot be a folder refused up front.
fw_netns_test(test_pcap SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pcap.c
  ${CMAKE_CURRENT_LIST_DIR}/runcmd.c LIBS fwutil PkgConfig::JSONC TIMEOUT 120)
add_dependencies(test_pcap finwait finwait-server finwait-client)
