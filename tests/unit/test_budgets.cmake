# test_budgets.cmake -- the AWS Budgets client tests run against a scripted libmicrohttpd responder.
target_sources(${base} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit/responder.c)
