# test_sigv4.cmake -- one ctest entry per aws-c-auth v4 case folder in tests/data/sigv4/:
# unit.sigv4.vector.<case> runs `test_sigv4 vector <folder>` (header-signing outputs).
file(GLOB sbx_sigv4_cases LIST_DIRECTORIES true CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_SOURCE_DIR}/data/sigv4/*)
foreach(dir IN LISTS sbx_sigv4_cases)
    if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/context.json)
        get_filename_component(case ${dir} NAME)
        add_test(NAME unit.sigv4.vector.${case} COMMAND test_sigv4 vector ${dir})
        set_tests_properties(unit.sigv4.vector.${case} PROPERTIES LABELS unit)
    endif()
endforeach()
