# nftables through an agent in a cell's namespace: the client host vanishes with the
# server's link up, and comes back.
fw_netns_test(test_nft SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_nft.c LIBS fwlab TIMEOUT 60)
