# lit configuration of the mamba test suite: FileCheck tests of mamba-opt,
# mamba-compile and mamba-run.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "mamba"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".ssm", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mamba_obj_root, "test")
config.excludes = ["Inputs", "lib", "Runtime", "golden", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py.in", "lit.cmake"]

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

config.substitutions.append(("%mamba_lib_dir", config.mamba_lib_dir))
config.substitutions.append(
    ("%expect_exit", "bash " + os.path.join(config.mamba_src_root, "test", "lib", "expect-exit.sh")))
config.substitutions.append(("%mamba_src_root", config.mamba_src_root))
config.substitutions.append(
    ("%golden", os.path.join(config.mamba_src_root, "test", "golden")))
config.substitutions.append(("%mamba_obj_root", config.mamba_obj_root))
config.substitutions.append(("%mlir_version", config.mlir_version))

llvm_config.with_environment("PATH", config.mamba_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(["mamba-opt", "mamba-compile", "mamba-run"],
                                   [config.mamba_tools_dir])

# The Halide CPU backend (--ssm-to-halide) exists when Halide 14 was found.
if config.have_halide:
    config.available_features.add("halide")

# An NVIDIA GPU with its driver: tests of what happens without one are
# UNSUPPORTED where one exists (the GPU tests proper are GoogleTests).
if os.path.exists("/dev/nvidiactl"):
    config.available_features.add("gpu")

# Tests that compile emitted CUDA with NVRTC need the CUDA toolkit (no GPU).
if config.have_nvrtc:
    config.available_features.add("nvrtc")
    llvm_config.add_tool_substitutions(["nvrtc-compile"], [config.mamba_tools_dir])
