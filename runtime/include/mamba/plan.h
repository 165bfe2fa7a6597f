// The execution plan: what the compiler hands the runtime
// (docs/plan-format.md). Buffers, weights, recurrent states and the kernel
// calls of each entry point, with sizes as polynomials in the batch size and
// the sequence length.
#ifndef MAMBA_PLAN_H
#define MAMBA_PLAN_H

#include "mamba/status.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mamba::plan {

/// The format version this runtime reads and the compiler writes.
constexpr int64_t kFormatVersion = 1;

/// An integer polynomial in the symbols `batch` and `seqlen`, e.g.
/// "64*batch*seqlen + 32". Sizes, offsets and strides are Exprs.
class Expr {
public:
  struct Term {
    int64_t coef = 0;
    int batchPower = 0;
    int seqlenPower = 0;
    bool operator==(const Term &o) const {
      return coef == o.coef && batchPower == o.batchPower &&
             seqlenPower == o.seqlenPower;
    }
  };

  Expr() = default;
  Expr(int64_t constant); // NOLINT: sizes read naturally as numbers
  static Expr batch();
  static Expr seqlen();
  /// Parses the text form; errors name the offending character.
  static Expected<Expr> parse(std::string_view text);

  Expr operator+(const Expr &other) const;
  Expr operator*(const Expr &other) const;
  bool operator==(const Expr &other) const { return terms_ == other.terms_; }
  bool operator!=(const Expr &other) const { return !(*this == other); }

  /// The value for one batch size and sequence length.
  int64_t eval(int64_t batch, int64_t seqlen) const;
  /// True if there is no symbol in it.
  bool isConstant() const;
  /// The constant value (requires isConstant()).
  int64_t constant() const;
  /// The same powers of the symbols in every term (so max() is exact).
  bool sameShapeAs(const Expr &other) const;
  /// Termwise max of two Exprs with sameShapeAs(); an upper bound of both for
  /// non-negative symbols when every coefficient is non-negative.
  Expr termwiseMax(const Expr &other) const;
  std::string str() const;

  const std::vector<Term> &terms() const { return terms_; }

private:
  void normalize();
  std::vector<Term> terms_; // sorted by powers, no zero coefficients
};

/// Where a view's elements live.
enum class Space { Buffer, Weight, State, Tokens };

/// A strided view: element (i0, i1, ...) is at offset + sum(ik * strides[k])
/// of the space's storage `index` (buffer, weight or state; 0 for Tokens).
struct View {
  Space space = Space::Buffer;
  int64_t index = 0;
  Expr offset;
  std::vector<Expr> shape;
  std::vector<Expr> strides;
};

/// A tensor read from the weights file, optionally through elementwise
/// transforms applied once at load (e.g. {"exp", "neg"}: A = -exp(A_log)).
struct Weight {
  std::string name; // the tensor name in the weights file
  std::vector<int64_t> shape;
  std::vector<std::string> transforms;
};

/// A recurrent state slot: one per conv window or scan state.
struct State {
  std::string kind;           // "conv" or "ssm"
  std::vector<int64_t> shape; // without the leading batch dimension
};

/// A scratch buffer of `size` float32 elements, shared by values whose
/// lifetimes do not overlap.
struct Buffer {
  Expr size;
};

/// An attribute value: a number or a string.
struct Attr {
  bool isString = false;
  double number = 0;
  std::string text;
};

/// One value of a generic scan's regions: an argument (`arg`: 0 the state,
/// i + 1 input i), a constant (`value`) or an op of earlier nodes.
struct ScanNode {
  /// "arg", "constant", "add", "sub", "mul", "div", "max", "min", "neg",
  /// "exp", "log", "sqrt", "tanh", "abs".
  std::string op;
  int64_t arg = 0;
  double value = 0;
  int64_t lhs = -1, rhs = -1;
};

/// A generic ssm.scan as the GPU executor compiles it (docs/plan-format.md,
/// "cuda_scan"): iteration dimensions 0..stateRank-1 are the state's,
/// stateRank is time; h_t = decay * h_{t-1} + input, y = sum of readout over
/// the state dimensions y drops. Storage is float32, as everywhere in a plan.
struct ScanDesc {
  int64_t stateRank = 0;
  /// Per input, the iteration dimension of each of its dimensions.
  std::vector<std::vector<int64_t>> inputDims;
  /// The iteration dimension of each dimension of y.
  std::vector<int64_t> outputDims;
  bool hasInit = false;
  std::vector<ScanNode> nodes;
  /// Roots in `nodes`.
  int64_t decay = -1, input = -1, readout = -1;
};

/// One kernel call. Arguments are named views (see docs/plan-format.md for
/// each kernel's arguments and attributes).
struct Step {
  std::string kernel;
  std::string origin; // the op it came from, e.g. "ssm.selective_scan"
  std::map<std::string, Attr> attrs;
  std::vector<std::pair<std::string, View>> args;
  /// A generic scan's description for the GPU (optional: plans made before
  /// it existed run on the CPU only).
  std::optional<ScanDesc> cudaScan;

  const View *arg(std::string_view name) const;
  const Attr *attr(std::string_view name) const;
};

/// An entry point: tokens [batch, seqlen] in, logits out, states updated in
/// place. `seqlen` is fixed to 1 for decode_step.
struct Function {
  std::string name;
  std::vector<Step> steps;
  View logits; // [batch, seqlen, vocab]
};

struct Plan {
  int64_t version = kFormatVersion;
  std::string modelName;
  int64_t vocabSize = 0; // entries per logits row
  /// The compiled kernel library that steps of kernel "halide" call (by
  /// their "symbol" attribute); empty when no step needs one. Relative
  /// paths in a plan file are relative to the file's directory.
  std::string kernelLibrary;
  std::vector<Weight> weights;
  std::vector<State> states;
  std::vector<Buffer> buffers;
  std::vector<Function> functions;

  const Function *function(std::string_view name) const;
};

/// The plan as JSON text (the format of docs/plan-format.md).
std::string writePlan(const Plan &plan);
/// Parses and validates a plan; errors name the JSON path of the bad field.
Expected<Plan> readPlan(std::string_view text);
/// readPlan() of a file; errors start with the path.
Expected<Plan> readPlanFile(const std::string &path);

} // namespace mamba::plan

#endif // MAMBA_PLAN_H
