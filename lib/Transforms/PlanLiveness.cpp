//===- PlanLiveness.cpp - buffer slots and the logits tail ----------------===//
//
// After a function's steps are planned: scratch values share buffer slots
// when their lifetimes do not overlap, the scan learns whether delta is
// scratch, and the steps that only feed the logits are marked.
//
//===----------------------------------------------------------------------===//

#include "Transforms/FunctionPlanner.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace mlir::ssm::planner {

void FunctionPlanner::assignSlots() {
  for (size_t s = 0; s < stepRoots_.size(); ++s)
    for (int r : stepRoots_[s])
      roots_[r].lastUse = std::max(roots_[r].lastUse, static_cast<int>(s));
  std::vector<int> slotOf(roots_.size(), -1);
  std::vector<bool> busy(slots_.size(), false);
  for (size_t s = 0; s < stepRoots_.size(); ++s) {
    for (size_t r = 0; r < roots_.size(); ++r) {
      if (roots_[r].def != static_cast<int>(s))
        continue;
      int chosen = -1;
      for (size_t k = 0; k < slots_.size(); ++k)
        if (!busy[k] && slots_[k].sameShapeAs(roots_[r].size)) {
          chosen = static_cast<int>(k);
          break;
        }
      if (chosen < 0) {
        chosen = static_cast<int>(slots_.size());
        slots_.push_back(roots_[r].size);
        busy.push_back(false);
      }
      slots_[chosen] = slots_[chosen].termwiseMax(roots_[r].size);
      busy[chosen] = true;
      slotOf[r] = chosen;
    }
    for (size_t r = 0; r < roots_.size(); ++r)
      if (slotOf[r] >= 0 && roots_[r].lastUse == static_cast<int>(s))
        busy[slotOf[r]] = false;
  }
  auto remap = [&](mp::View &v) {
    if (v.space == mp::Space::Buffer)
      v.index = slotOf[v.index];
  };
  for (size_t s = 0; s < fn_plan_.steps.size(); ++s) {
    mp::Step &step = fn_plan_.steps[s];
    for (auto &[name, view] : step.args)
      remap(view);
    // The CPU scan may keep dt in delta's storage when nothing reads delta
    // afterwards.
    if (step.kernel == "selective_scan") {
      const mp::View *delta = step.arg("delta");
      bool scratch = delta->space == mp::Space::Buffer;
      for (int r : stepRoots_[s])
        if (slotOf[r] == delta->index && roots_[r].lastUse > (int)s)
          scratch = false;
      for (const auto &[name, view] : step.args)
        if (name != "delta" && view.space == mp::Space::Buffer &&
            view.index == delta->index)
          scratch = false;
      step.attrs["delta_is_scratch"] = numberAttr(scratch ? 1 : 0);
    }
  }
  remap(fn_plan_.logits);
  if (!decode_)
    markLogitsTail();
}

void FunctionPlanner::markLogitsTail() {
  // Steps that only feed the logits and treat each token on its own: the
  // runtime runs them for the last token when only its logits are wanted,
  // and not at all when none are (inner chunks of a long prompt).
  static const llvm::StringSet<> tokenLocal = {
      "rmsnorm", "linear", "add",      "sub",  "mul",
      "exp",     "neg",    "softplus", "silu", "gate"};
  const int numSteps = static_cast<int>(fn_plan_.steps.size());
  std::vector<bool> tail(numSteps, false);
  for (int s = numSteps - 1; s >= 0; --s) {
    if (!tokenLocal.contains(fn_plan_.steps[s].kernel))
      continue;
    bool onlyTail = true;
    for (size_t r = 0; r < roots_.size() && onlyTail; ++r) {
      if (roots_[r].def != s)
        continue;
      for (int j = s + 1; j < numSteps && onlyTail; ++j)
        for (int used : stepRoots_[j])
          if (used == static_cast<int>(r) && !tail[j])
            onlyTail = false;
    }
    // Every view must show its token axis as a dimension of size seqlen.
    for (const auto &arg : fn_plan_.steps[s].args) {
      const mp::View &v = arg.second;
      bool hasTime = v.space == mp::Space::Weight;
      for (const Expr &d : v.shape)
        hasTime |= d == Expr::seqlen();
      onlyTail &= hasTime;
    }
    tail[s] = onlyTail;
    if (onlyTail)
      fn_plan_.steps[s].attrs["logits_tail"] = numberAttr(1);
  }
}

/// Drops weights no step reads (e.g. the exp() on the way to -exp(A_log)).
void pruneUnusedWeights(mp::Plan &plan) {
  std::vector<int64_t> newIndex(plan.weights.size(), -1);
  auto each = [&](auto &&f) {
    for (mp::Function &fn : plan.functions) {
      for (mp::Step &step : fn.steps)
        for (auto &arg : step.args)
          f(arg.second);
      f(fn.logits);
    }
  };
  each([&](mp::View &v) {
    if (v.space == mp::Space::Weight)
      newIndex[v.index] = 0;
  });
  std::vector<mp::Weight> kept;
  for (size_t i = 0; i < plan.weights.size(); ++i)
    if (newIndex[i] == 0) {
      newIndex[i] = static_cast<int64_t>(kept.size());
      kept.push_back(plan.weights[i]);
    }
  plan.weights = std::move(kept);
  each([&](mp::View &v) {
    if (v.space == mp::Space::Weight)
      v.index = newIndex[v.index];
  });
}
} // namespace mlir::ssm::planner
