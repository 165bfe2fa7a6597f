// Bad input gives a diagnostic and exit code 1, never a crash.
// RUN: not mamba-opt %S/Inputs/malformed.mlir 2>&1 | FileCheck %s --check-prefix=MALFORMED
// RUN: not mamba-opt %S/Inputs/unknown-op.mlir 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not mamba-opt %S/Inputs/wrong-types.mlir 2>&1 | FileCheck %s --check-prefix=TYPES
// RUN: not mamba-opt %S/Inputs/does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mamba-opt %S/Inputs/malformed.mlir --no-such-flag 2>&1 | FileCheck %s --check-prefix=FLAG
// RUN: %expect_exit 1 mamba-opt %S/Inputs/unknown-op.mlir 2>/dev/null
// RUN: %expect_exit 1 mamba-opt %S/Inputs/wrong-types.mlir 2>/dev/null
// RUN: %expect_exit 1 mamba-opt %S/Inputs/does-not-exist.mlir 2>/dev/null
// RUN: %expect_exit 1 mamba-opt %S/Inputs/malformed.mlir 2>/dev/null

// MALFORMED: malformed.mlir:{{[0-9]+}}:{{[0-9]+}}: error: expected operation name in quotes
// UNKNOWN: unknown-op.mlir:3:8: error: custom op 'ssm.fly' is unknown
// TYPES: wrong-types.mlir:4:12: error: 'ssm.selective_scan' op expected 'B' to have shape [batch, d_state, seqlen] = [2, 16, 64], got [2, 8, 64]
// MISSING: mamba-opt: error: cannot open input file '{{.*}}does-not-exist.mlir'
// FLAG: Unknown command line argument '--no-such-flag'
