# test_idc.cmake -- the Identity Center client tests run against the scripted responder.
target_sources(${base} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit/responder.c)
