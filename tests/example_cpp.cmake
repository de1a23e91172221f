# ctest script: installs libfops into a temporary prefix, builds
# examples/cpp against it with find_package(fops), and runs the tool on the
# quickstart Tiltfile's plan, as a C++ user would.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(
  COMMAND ${CMAKE_COMMAND} --install ${FOPS_BINARY_DIR} --component dev --prefix ${WORK_DIR}/prefix
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${FOPS_SOURCE_DIR}/examples/cpp -B ${WORK_DIR}/build -G Ninja
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring examples/cpp against the installed package failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building examples/cpp failed: ${rc}")
endif()
execute_process(
  COMMAND ${WORK_DIR}/build/fops_example_tool ${FOPS_SOURCE_DIR}/examples/cpp/pipeline.json
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc)
  message(FATAL_ERROR "fops_example_tool exited ${rc}")
endif()
