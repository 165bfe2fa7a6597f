//===- FunctionPlanner.h - the planner's state for one function -*- C++ -*-===//
//
// Private to the planner: ExecutionPlan.cpp plans each op of a function,
// PlanLiveness.cpp assigns buffer slots by liveness and marks the logits
// tail.
//
//===----------------------------------------------------------------------===//

#ifndef SSM_TRANSFORMS_FUNCTIONPLANNER_H
#define SSM_TRANSFORMS_FUNCTIONPLANNER_H

#include "mamba/plan.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "ssm/IR/SSMOps.h"

#include <optional>
#include <vector>

namespace mlir::ssm::planner {

namespace mp = mamba::plan;
using mp::Expr;

/// The planner's picture of one SSA tensor: a view, and for scratch
/// storage the fresh value ("root") it aliases.
struct Tensor {
  mp::View view;
  int root = -1;
  bool empty = false; // tensor.empty: a shape without storage
};

/// A value that needs scratch storage of its own.
struct Root {
  Expr size;
  int def = 0;
  int lastUse = 0;
};

/// Contiguous strides for `shape` laid out with `order` (outermost first).
std::vector<Expr> stridesFor(const std::vector<Expr> &shape,
                             ArrayRef<int64_t> order);
Expr product(const std::vector<Expr> &shape);
mp::Attr stringAttr(StringRef s);
mp::Attr numberAttr(double v);
/// The shortest decimal that reads back as `v` in float: an f32 attribute
/// written as 1e-5, not as its binary value 9.99999974737875e-06.
double shortestDecimal(float v);
/// The generic scan's description for the GPU executor (a step's
/// "cuda_scan"), or none where the CUDA backend cannot express the scan.
std::optional<mp::ScanDesc> cudaScanDesc(ScanOp scan);
/// Drops weights no step reads (e.g. the exp() on the way to -exp(A_log)).
void pruneUnusedWeights(mp::Plan &plan);

class FunctionPlanner {
public:
  FunctionPlanner(mp::Plan &plan, std::vector<Expr> &slots, func::FuncOp fn,
                  bool decode, std::vector<Operation *> *libraryOps,
                  bool libraryConv)
      : plan_(plan), slots_(slots), fn_(fn), decode_(decode),
        libraryOps_(libraryOps), libraryConv_(libraryConv && libraryOps) {}

  LogicalResult run();

private:
  LogicalResult bindArguments();
  LogicalResult planOp(Operation *op);
  LogicalResult planReturn(func::ReturnOp ret);
  void assignSlots();
  void markLogitsTail();

  /// The sizes of a static shape (weights), as constants.
  static std::vector<Expr> staticShape(ShapedType type);
  FailureOr<Tensor *> lookup(Operation *op, Value v);
  FailureOr<Expr> index(Operation *op, Value v);

  mp::Step &newStep(Operation *op, StringRef kernel) {
    fn_plan_.steps.emplace_back();
    stepRoots_.emplace_back();
    mp::Step &s = fn_plan_.steps.back();
    s.kernel = kernel.str();
    s.origin = op->getName().getStringRef().str();
    return s;
  }
  LogicalResult use(Operation *op, StringRef name, Value v);
  /// Passes the view `t` (of a planned value's storage) as argument `name`.
  void useTensor(StringRef name, const Tensor &t);
  /// A fresh scratch value for `v` with the given shape and layout.
  void define(StringRef name, Value v, std::vector<Expr> shape,
              ArrayRef<int64_t> order);
  void defineLike(StringRef name, Value v, const Tensor &like);
  /// `v` names the storage `t` describes (a view of another value's, or
  /// the same). `t` is taken by value: inserting `v` may grow tensors_
  /// and move the entry a caller's `t` was read from.
  void alias(Value v, Tensor t) { tensors_[v] = std::move(t); }
  /// `v` is the in-place update of the state `stateArg` (a use).
  LogicalResult defineState(Operation *op, Value v, Value stateArg);

  LogicalResult weightTransform(Operation *op, Value in, Value out,
                                StringRef transform);
  LogicalResult elementwise(Operation *op, StringRef kernel);
  LogicalResult genericScan(ScanOp scan);
  /// Reshapes as views; PlanReshape.cpp.
  LogicalResult collapseShape(tensor::CollapseShapeOp c);
  LogicalResult expandShape(tensor::ExpandShapeOp e);
  /// An elementwise linalg.generic whose operands broadcast (stride-0
  /// views); PlanBroadcast.cpp.
  LogicalResult broadcastElementwise(linalg::GenericOp g);
  LogicalResult libraryConv(CausalConv1dOp conv);
  mp::Step &newLibraryStep(Operation *op, StringRef stateIn);

  mp::Plan &plan_;
  std::vector<Expr> &slots_;
  func::FuncOp fn_;
  bool decode_;
  std::vector<Operation *> *libraryOps_;
  bool libraryConv_;
  mp::Function fn_plan_;
  DenseMap<Value, Tensor> tensors_;
  DenseMap<Value, Expr> indices_;
  std::vector<Root> roots_;
  std::vector<std::vector<int>> stepRoots_;
  DenseMap<Value, int64_t> stateArgs_; // block argument -> state slot
};

} // namespace mlir::ssm::planner

#endif // SSM_TRANSFORMS_FUNCTIONPLANNER_H
