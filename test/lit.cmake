# The lit + FileCheck suite: `check-mamba` runs it, and ctest runs it as one
# test so that a single `ctest` covers unit and lit tests alike.
find_program(MAMBA_LIT lit HINTS ${LLVM_TOOLS_BINARY_DIR} /usr/lib/llvm-22/bin
             REQUIRED)
find_program(MAMBA_FILECHECK FileCheck HINTS ${LLVM_TOOLS_BINARY_DIR}
             /usr/lib/llvm-22/bin REQUIRED)
get_filename_component(MAMBA_LLVM_TOOLS_DIR ${MAMBA_FILECHECK} DIRECTORY)

# Plugins and utilities the tests run.
add_subdirectory(lib)

set(MAMBA_LIT_DEPENDS mamba-opt mamba-compile mamba-run MambaExamplePlugin MambaBadPlugins ssm-doc)
if(TARGET nvrtc-compile)
  list(APPEND MAMBA_LIT_DEPENDS nvrtc-compile)
  set(MAMBA_HAVE_NVRTC 1)
else()
  set(MAMBA_HAVE_NVRTC 0)
endif()
# The Halide backend's tests need mamba-opt built with Halide.
if(TARGET MambaHalideKernels)
  set(MAMBA_HAVE_HALIDE 1)
else()
  set(MAMBA_HAVE_HALIDE 0)
endif()
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/lit.site.cfg.py.in
               ${CMAKE_CURRENT_BINARY_DIR}/lit.site.cfg.py @ONLY)

add_custom_target(check-mamba
  COMMAND ${MAMBA_LIT} -sv ${CMAKE_CURRENT_BINARY_DIR}
  DEPENDS ${MAMBA_LIT_DEPENDS}
  USES_TERMINAL
  COMMENT "Running the lit suite")

add_test(NAME lit COMMAND ${MAMBA_LIT} -sv ${CMAKE_CURRENT_BINARY_DIR})
