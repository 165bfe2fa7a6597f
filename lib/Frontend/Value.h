//===- Value.h - compile-time values of the spec language -------*- C++ -*-===//
//
// What an expression evaluates to while a model is elaborated: a scalar
// hyper-parameter, a list, a reference to a definition, or a tensor (an SSA
// value of the function being generated, with named dimensions).
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_VALUE_H
#define MAMBA_FRONTEND_VALUE_H

#include "AST.h"

#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <string>
#include <vector>

namespace mamba::frontend {

/// One tensor dimension: a static size, or a dynamic one known by the name
/// of the symbol it was bound to (`batch`, `seqlen`), so that two dynamic
/// dimensions compare equal exactly when they are the same symbol.
struct Dim {
  static constexpr int64_t kDynamic = -1;
  int64_t size = kDynamic;
  std::string sym;

  static Dim fixed(int64_t n) { return Dim{n, ""}; }
  static Dim symbolic(std::string name) {
    return Dim{kDynamic, std::move(name)};
  }
  bool isStatic() const { return size != kDynamic; }
  bool operator==(const Dim &o) const {
    return isStatic() ? size == o.size : !o.isStatic() && sym == o.sym;
  }
  bool operator!=(const Dim &o) const { return !(*this == o); }
};

/// "[batch, seqlen, 768]".
std::string formatDims(llvm::ArrayRef<Dim> dims);
/// One dimension as the spec writes it: "768" or "batch".
std::string formatDim(const Dim &dim);

struct Def;

struct Val {
  enum class Kind {
    Int,
    Float,
    Bool,
    String,
    None,
    List,
    Def,
    Weight,
    Tensor,
    Tuple
  };
  Kind kind = Kind::None;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string s;          // String; Weight: the full tensor name
  std::vector<Val> elems; // List, Tuple
  const frontend::Def *def = nullptr;
  // Weight (not yet materialized): its shape and declaration; Tensor: the
  // SSA value and its dimensions.
  const struct WeightStmt *weight = nullptr;
  mlir::Value value;
  llvm::SmallVector<Dim, 4> dims;

  static Val makeInt(int64_t v) {
    Val r;
    r.kind = Kind::Int;
    r.i = v;
    return r;
  }
  static Val makeFloat(double v) {
    Val r;
    r.kind = Kind::Float;
    r.f = v;
    return r;
  }
  static Val makeBool(bool v) {
    Val r;
    r.kind = Kind::Bool;
    r.b = v;
    return r;
  }
  static Val makeString(std::string v) {
    Val r;
    r.kind = Kind::String;
    r.s = std::move(v);
    return r;
  }
  static Val makeDef(const frontend::Def *d) {
    Val r;
    r.kind = Kind::Def;
    r.def = d;
    return r;
  }
  static Val makeTensor(mlir::Value v, llvm::ArrayRef<Dim> dims) {
    Val r;
    r.kind = Kind::Tensor;
    r.value = v;
    r.dims.assign(dims.begin(), dims.end());
    return r;
  }

  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  double asDouble() const { return kind == Kind::Int ? double(i) : f; }
  bool isTensor() const { return kind == Kind::Tensor; }
};

/// "int 3", "float 0.5", "a tensor of shape [2, 768]", "block 'lm'", ...
std::string describe(const Val &v);
/// The bare value for messages: "3", "0.5", "true".
std::string formatScalar(const Val &v);

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_VALUE_H
