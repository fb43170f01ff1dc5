# ap_module(NAME DIRS dir... DEPS target...)
# One static library per architectural module, built from every .cc file in
# its folders (no hand-kept source lists). Headers are included as
# "module/file.h" relative to src/.
function(ap_module name)
  cmake_parse_arguments(M "" "" "DIRS;DEPS;EXCLUDE" ${ARGN})
  set(sources)
  foreach(dir IN LISTS M_DIRS)
    file(GLOB dir_sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/src/${dir}/*.cc")
    list(APPEND sources ${dir_sources})
  endforeach()
  foreach(ex IN LISTS M_EXCLUDE)
    list(FILTER sources EXCLUDE REGEX "${ex}")
  endforeach()
  if(NOT sources)
    # A module whose folder has no .cc yet (headers only, or being started).
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE "${PROJECT_SOURCE_DIR}/src")
    target_link_libraries(${name} INTERFACE ${M_DEPS})
    return()
  endif()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}/src")
  target_link_libraries(${name} PUBLIC ${M_DEPS})
endfunction()

# ap_test_suite(NAME DIR dir DEPS target...)
# One test executable per tests/ folder, from every *_test.cc below it; each
# GoogleTest case becomes a CTest test.
function(ap_test_suite name)
  cmake_parse_arguments(T "" "DIR;TIMEOUT" "DEPS;LABELS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/${T_DIR}/*_test.cc")
  if(NOT sources)
    message(WARNING "no tests in tests/${T_DIR}")
    return()
  endif()
  add_executable(${name} ${sources})
  target_link_libraries(${name} PRIVATE ${T_DEPS} ap_testing GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  # Only one variable: GoogleTestAddTests (CMake 3.25) splits a list here, so
  # tests find the source and ../shared through testing/paths.h instead.
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
               ENVIRONMENT "AGENTPERF_BIN=$<TARGET_FILE:agentperf>")
  add_dependencies(${name} agentperf)
endfunction()
