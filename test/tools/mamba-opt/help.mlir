// RUN: mamba-opt --help | FileCheck %s
// RUN: mamba-opt --version | FileCheck %s --check-prefix=VERSION
// The ssm passes and pipelines are registered next to the upstream ones.

// CHECK: Available Dialects: {{.*}}arith{{.*}}func{{.*}}linalg{{.*}}llvm{{.*}}math{{.*}}memref{{.*}}scf{{.*}}ssm{{.*}}tensor{{.*}}vector
// CHECK-DAG: --canonicalize
// CHECK-DAG: --convert-linalg-to-loops
// CHECK-DAG: --one-shot-bufferize
// CHECK-DAG: --ssm-fuse {{.*}}Fuse ssm ops into the kernels backends generate
// CHECK-DAG: --ssm-optimize {{.*}}Canonicalize, fuse into kernels
// VERSION: mamba-opt {{[0-9]+\.[0-9]+\.[0-9]+}}
