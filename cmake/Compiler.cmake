# Finds LLVM/MLIR 22 and Halide 14 and sets up TableGen for the compiler half.
find_package(MLIR REQUIRED CONFIG HINTS /usr/lib/llvm-22/lib/cmake/mlir)
if(NOT LLVM_VERSION_MAJOR EQUAL 22)
  message(FATAL_ERROR "MLIR 22 is required, found ${LLVM_PACKAGE_VERSION} in "
                      "${MLIR_DIR}; set MLIR_DIR to an MLIR 22 installation")
endif()
message(STATUS "Using MLIR ${LLVM_PACKAGE_VERSION} from ${MLIR_DIR}")

list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
set(LLVM_RUNTIME_OUTPUT_INTDIR ${CMAKE_BINARY_DIR}/bin)
set(LLVM_LIBRARY_OUTPUT_INTDIR ${CMAKE_BINARY_DIR}/lib)
set(MLIR_BINARY_DIR ${CMAKE_BINARY_DIR})
include(TableGen)
include(AddLLVM)
include(AddMLIR)

include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
link_directories(${LLVM_BUILD_LIBRARY_DIR})
add_definitions(${LLVM_DEFINITIONS})

# Debian installs Halide 14's package config as Halide14/HalideConfig.cmake.
# It loads LLVM 14's package config, which would overwrite the LLVM_*
# variables of MLIR 22 (versions, paths): a function scope keeps them.
function(mamba_find_halide)
  find_package(Halide 14.0.0 EXACT QUIET CONFIG
    HINTS /usr/lib/x86_64-linux-gnu/cmake/Halide14
          /usr/lib/x86_64-linux-gnu/cmake/HalideHelpers14)
  set(Halide14_FOUND ${Halide_FOUND} PARENT_SCOPE)
endfunction()
mamba_find_halide()
if(Halide14_FOUND)
  message(STATUS "Found Halide 14")
else()
  message(STATUS "Halide 14 not found: the CPU code generator is disabled")
endif()

# Everything of ours in the compiler links the single MLIR shared library, so
# plugins loaded at run time share one copy of every registry with the tools.
set(MAMBA_MLIR_LIBS MLIR LLVM)
