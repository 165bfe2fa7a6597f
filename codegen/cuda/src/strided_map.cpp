// Emits the plan's elementwise kernels over strided rank-4 views
// (strided_map.h): one index decomposition, one expression per op.
#include "mamba/codegen/strided_map.h"
#include "emit_util.h"

namespace mamba::codegen::cuda {

using detail::subst;
using detail::Vars;

const char *stridedOpName(StridedOp op) {
  switch (op) {
  case StridedOp::Add:
    return "add";
  case StridedOp::Sub:
    return "sub";
  case StridedOp::Mul:
    return "mul";
  case StridedOp::Gate:
    return "gate";
  case StridedOp::Exp:
    return "exp";
  case StridedOp::Neg:
    return "neg";
  case StridedOp::Softplus:
    return "softplus";
  case StridedOp::Silu:
    return "silu";
  case StridedOp::Copy:
    return "copy";
  case StridedOp::Skip:
    return "skip";
  }
  return "?";
}

int stridedOpArity(StridedOp op) {
  switch (op) {
  case StridedOp::Exp:
  case StridedOp::Neg:
  case StridedOp::Softplus:
  case StridedOp::Silu:
  case StridedOp::Copy:
    return 1;
  case StridedOp::Skip:
    return 3;
  default:
    return 2;
  }
}

namespace {
/// The value stored, in terms of the loaded operands va, vb, vc.
const char *expression(StridedOp op) {
  switch (op) {
  case StridedOp::Add:
    return "va + vb";
  case StridedOp::Sub:
    return "va - vb";
  case StridedOp::Mul:
    return "va * vb";
  case StridedOp::Gate:
    return "va * mamba_silu(vb)";
  case StridedOp::Exp:
    return "expf(va)";
  case StridedOp::Neg:
    return "-va";
  case StridedOp::Softplus:
    return "mamba_softplus(va)";
  case StridedOp::Silu:
    return "mamba_silu(va)";
  case StridedOp::Copy:
    return "va";
  case StridedOp::Skip:
    return "fmaf(vb, vc, va)";
  }
  return nullptr;
}
} // namespace

Emitted emitStridedMap(const StridedMapDesc &d) {
  const char *expr = expression(d.op);
  if (!expr)
    return {"", d.name + ": not a supported elementwise operation"};
  if (!detail::isIdentifier(d.name))
    return {"",
            "strided map: kernel name '" + d.name + "' is not an identifier"};
  if (std::string e = detail::checkSchedule(d.name, d.schedule); !e.empty())
    return {"", e};
  const int arity = stridedOpArity(d.op);
  Vars v = {{"NAME", d.name},
            {"OP", stridedOpName(d.op)},
            {"THREADS", std::to_string(d.schedule.threadsPerBlock)},
            {"EXPR", expr},
            {"LOADB",
             arity >= 2 ? "b[i0 * b0 + i1 * b1 + i2 * b2 + i3 * b3]" : "0.0f"},
            {"LOADC",
             arity >= 3 ? "c[i0 * c0 + i1 * c1 + i2 * c2 + i3 * c3]" : "0.0f"}};
  return {
      subst(R"(// plan kernel '$OP': out = $EXPR over a strided [n0, n1, n2, n3]
// index space (F32); a grid-stride loop of $THREADS-thread blocks. No
// __restrict__: out may be an operand's storage, element for element.
extern "C" __global__ void __launch_bounds__($THREADS)
$NAME(const float *a, const float *b, const float *c, float *out,
      long long n0, long long n1, long long n2, long long n3, long long a0,
      long long a1, long long a2, long long a3, long long b0, long long b1,
      long long b2, long long b3, long long c0, long long c1, long long c2,
      long long c3, long long o0, long long o1, long long o2, long long o3) {
  const long long total = n0 * n1 * n2 * n3;
  for (long long i = (long long)blockIdx.x * $THREADS + threadIdx.x;
       i < total; i += (long long)gridDim.x * $THREADS) {
    long long r = i;
    const long long i3 = r % n3;
    r /= n3;
    const long long i2 = r % n2;
    r /= n2;
    const long long i1 = r % n1;
    const long long i0 = r / n1;
    const float va = a[i0 * a0 + i1 * a1 + i2 * a2 + i3 * a3];
    const float vb = $LOADB;
    const float vc = $LOADC;
    out[i0 * o0 + i1 * o1 + i2 * o2 + i3 * o3] = $EXPR;
  }
}
)",
            v),
      ""};
}

} // namespace mamba::codegen::cuda
