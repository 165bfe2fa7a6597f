// The CUDA C emitter of the elementwise plan kernels (add, sub, mul, gate,
// exp, neg, softplus, silu, copy, skip) over strided views of rank up to 4.
#ifndef MAMBA_CODEGEN_STRIDED_MAP_H
#define MAMBA_CODEGEN_STRIDED_MAP_H

#include "mamba/codegen/cuda_emitter.h"

#include <string>

namespace mamba::codegen::cuda {

/// out = f(a, b, c) per element; the unary ops read a, the binary ones a
/// and b, skip all three.
enum class StridedOp {
  Add,      // a + b
  Sub,      // a - b
  Mul,      // a * b
  Gate,     // a * silu(b)
  Exp,      // exp(a)
  Neg,      // -a
  Softplus, // softplus(a), the identity above 20
  Silu,     // silu(a)
  Copy,     // a (a layout change: out's strides differ from a's)
  Skip,     // a + b * c (the D skip of a scan: c is D broadcast)
};

/// "add", "sub", ... (the plan's kernel names).
const char *stridedOpName(StridedOp op);
/// Operands the op reads (1, 2 or 3).
int stridedOpArity(StridedOp op);

/// One elementwise kernel over a [n0, n1, n2, n3] index space (F32): each
/// operand and out has its own element strides, so that views of any
/// layout (a stride of 0 broadcasts) need no copy. Grid-stride loop of
/// threadsPerBlock threads.
struct StridedMapDesc {
  std::string name = "strided_map";
  StridedOp op = StridedOp::Add;
  Schedule schedule;
};

/// Kernel `name`: arguments a, b, c, out (float pointers; unused ones may
/// be null), n0..n3 (long long), then the strides (long long) of a, b, c
/// and out, four each. out may alias an operand element for element.
Emitted emitStridedMap(const StridedMapDesc &desc);

} // namespace mamba::codegen::cuda

#endif // MAMBA_CODEGEN_STRIDED_MAP_H
