// A real out-of-tree plugin loads into mamba-opt (as a pass plugin and as a
// dialect plugin) and into upstream mlir-opt (where it brings the ssm
// dialect); plugins built for another MLIR are refused with exit code 1.
// RUN: mamba-opt %s --load-pass-plugin=%mamba_lib_dir/libMambaExamplePlugin.so --ssm-example-annotate-cost | FileCheck %s
// RUN: mamba-opt %s --load-pass-plugin %mamba_lib_dir/libMambaExamplePlugin.so --load-dialect-plugin=%mamba_lib_dir/libMambaExamplePlugin.so --pass-pipeline='builtin.module(ssm-example-annotate-cost)' | FileCheck %s
// RUN: mlir-opt %s --load-dialect-plugin=%mamba_lib_dir/libMambaExamplePlugin.so | FileCheck %s --check-prefix=UPSTREAM
// RUN: not mamba-opt %s --load-pass-plugin=%mamba_lib_dir/libMambaBadApiPlugin.so 2>&1 | FileCheck %s --check-prefix=BADAPI
// RUN: not mamba-opt %s --load-dialect-plugin=%mamba_lib_dir/libMambaWrongVersionPlugin.so 2>&1 | FileCheck %s --check-prefix=WRONGVERSION -DMLIR_VERSION=%mlir_version
// RUN: not mamba-opt %s --load-pass-plugin=%mamba_lib_dir/libMambaWrongVersionPlugin.so 2>&1 | FileCheck %s --check-prefix=WRONGVERSION -DMLIR_VERSION=%mlir_version
// RUN: not mamba-opt %s --load-pass-plugin=%mamba_lib_dir/no-such-plugin.so 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mamba-opt %s --load-dialect-plugin=%mamba_lib_dir/libMambaSSMDialect-not-a-plugin.so 2>&1 | FileCheck %s --check-prefix=MISSINGDIALECT
// RUN: not mamba-opt %s --load-pass-plugin 2>&1 | FileCheck %s --check-prefix=NOPATH
// RUN: %expect_exit 1 mamba-opt %s --load-pass-plugin=%mamba_lib_dir/libMambaBadApiPlugin.so 2>/dev/null
// RUN: %expect_exit 1 mamba-opt %s --load-dialect-plugin=%mamba_lib_dir/libMambaWrongVersionPlugin.so 2>/dev/null

// CHECK-LABEL: func.func @scan
// CHECK: ssm.selective_scan {{.*}} {ssm.exp_count = 16384 : i64}
// UPSTREAM: ssm.selective_scan
// BADAPI: mamba-opt: error: cannot load pass plugin '{{.*}}libMambaBadApiPlugin.so': Wrong API version on plugin {{.*}} Got version 999, supported version is 1
// WRONGVERSION: mamba-opt: error: {{pass|dialect}} plugin '{{.*}}libMambaWrongVersionPlugin.so' (MambaBadPlugin) was built against MLIR 19.1.7, but this mamba-opt uses MLIR [[MLIR_VERSION]]; rebuild the plugin against MLIR [[MLIR_VERSION]]
// MISSING: mamba-opt: error: cannot load pass plugin '{{.*}}no-such-plugin.so': Could not load library
// MISSINGDIALECT: mamba-opt: error: cannot load dialect plugin
// NOPATH: mamba-opt: error: --load-pass-plugin expects a path to a shared library

func.func @scan(%u: tensor<2x8x64xf32>, %A: tensor<8x16xf32>, %B: tensor<2x16x64xf32>) -> tensor<2x8x64xf32> {
  %y, %h = ssm.selective_scan %u, %u, %A, %B, %B : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<8x16xf32>, tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x8x16xf32>)
  return %y : tensor<2x8x64xf32>
}
