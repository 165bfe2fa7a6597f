// Helpers shared by the kernel emitters: placeholder substitution, C type
// names and schedule checks.
#ifndef MAMBA_CODEGEN_CUDA_EMIT_UTIL_H
#define MAMBA_CODEGEN_CUDA_EMIT_UTIL_H

#include "mamba/codegen/cuda_emitter.h"

#include <string>
#include <utility>
#include <vector>

namespace mamba::codegen::cuda::detail {

using Vars = std::vector<std::pair<std::string, std::string>>;

/// Replaces every `$KEY` of `text` by its value; longer keys first, so $T
/// does not eat the start of $TYPE.
std::string subst(std::string text, Vars vars);

/// The C type of an operand in memory: float, mamba_bf16, mamba_f16.
const char *cType(ElemType type);
/// `text` with `spaces` more spaces before each non-empty line that is no
/// preprocessor directive.
std::string indent(const std::string &text, int spaces);
/// Bytes of one element in memory.
inline int elemBytes(ElemType type) { return type == ElemType::F32 ? 4 : 2; }

/// A C identifier (kernel names become extern "C" symbols).
bool isIdentifier(const std::string &name);

/// Empty if `s` is usable by a kernel whose block reduces over warps.
std::string checkSchedule(const std::string &kernel, const Schedule &s);

/// Empty if s.minBlocksPerSM is in [0, 32].
std::string checkMinBlocks(const std::string &kernel, const Schedule &s);
/// Empty if `conv` can run a decode step (width in [1, 64], a state).
std::string checkConvStep(const std::string &kernel,
                          const CausalConv1dDesc &conv);
/// Empty if `slice` elements of `type` are a power-of-two count (<= 32) of
/// 16-byte pieces, so that lanes sharing a row reduce with warp shuffles;
/// else why, about `subject` (e.g. "kSlice (24)").
std::string checkSlicePieces(const std::string &kernel,
                             const std::string &subject, int slice,
                             ElemType type);
/// `__launch_bounds__`' second argument (", N"), empty without a bound.
std::string minBlocksBound(const Schedule &s);

} // namespace mamba::codegen::cuda::detail

#endif // MAMBA_CODEGEN_CUDA_EMIT_UTIL_H
