//===- HalideKernels.cpp - descriptions to Halide pipelines ---------------===//
//
// Argument lists, schedule defaults, validation and printing of kernel
// descriptions, and the dispatch to each kernel's pipeline builder.
//
//===----------------------------------------------------------------------===//

#include "HalidePipelines.h"

#include <iostream>
#include <set>
#include <sstream>

namespace mamba::halide {

namespace {
const char *kindName(KernelKind k) {
  switch (k) {
  case KernelKind::SelectiveScan:
    return "selective_scan";
  case KernelKind::CausalConv1d:
    return "causal_conv1d";
  case KernelKind::RMSNorm:
    return "rmsnorm";
  case KernelKind::Gate:
    return "gate";
  case KernelKind::Scan:
    return "scan";
  }
  return "?";
}

/// Runs a Halide call, turning its exceptions into a Status.
template <class F> Status guarded(const std::string &what, F &&f) {
  try {
    f();
  } catch (const Halide::Error &e) {
    return Status::error(what + ": " + e.what());
  } catch (const std::exception &e) {
    return Status::error(what + ": " + e.what());
  }
  return Status::success();
}
} // namespace

std::vector<KernelArg> kernelArguments(const KernelDesc &d) {
  std::vector<KernelArg> a;
  auto in = [&](const char *name, int rank) { a.push_back({name, rank}); };
  auto out = [&](const char *name, int rank) {
    a.push_back({name, rank, true});
  };
  switch (d.kind) {
  case KernelKind::SelectiveScan:
    in("u", 3), in("delta", 3), in("A", 2), in("B", 3), in("C", 3);
    if (d.hasD)
      in("D", 1);
    if (d.hasZ)
      in("z", 3);
    if (d.hasDeltaBias)
      in("delta_bias", 1);
    if (d.hasInitialState)
      in("initial_state", 3);
    out("y", 3), out("final_state", 3);
    break;
  case KernelKind::CausalConv1d:
    in("x", 3), in("weight", 2);
    if (d.hasBias)
      in("bias", 1);
    if (d.hasState)
      in("conv_state", 3);
    out("out", 3);
    if (d.hasState)
      out("conv_state_out", 3);
    break;
  case KernelKind::RMSNorm:
    in("x", 2);
    if (d.hasResidual)
      in("residual", 2);
    in("weight", 1);
    out("y", 2);
    if (d.hasResidual)
      out("residual_out", 2);
    break;
  case KernelKind::Gate:
    in("y", 3), in("z", 3), out("out", 3);
    break;
  case KernelKind::Scan:
    for (size_t i = 0; i < d.scan.inputDims.size(); ++i)
      a.push_back({"input" + std::to_string(i),
                   static_cast<int>(d.scan.inputDims[i].size())});
    if (d.scan.hasInit)
      in("init", d.scan.stateRank);
    a.push_back({"y", static_cast<int>(d.scan.outputDims.size()), true});
    out("final_state", d.scan.stateRank);
    break;
  }
  return a;
}

HalideSchedule resolveSchedule(const HalideSchedule &s,
                               const Halide::Target &target) {
  HalideSchedule r = s;
  if (r.vectorWidth <= 0)
    r.vectorWidth = target.has_feature(Halide::Target::AVX512) ? 16
                    : target.has_feature(Halide::Target::AVX)  ? 8
                                                               : 4;
  if (r.channelTile <= 0)
    r.channelTile = 2 * r.vectorWidth;
  if (r.wideTile <= 0)
    r.wideTile = 8 * r.vectorWidth;
  // A tile holds whole vectors.
  auto wholeVectors = [&](int n) {
    return (n + r.vectorWidth - 1) / r.vectorWidth * r.vectorWidth;
  };
  r.channelTile = wholeVectors(r.channelTile);
  r.wideTile = wholeVectors(r.wideTile);
  if (r.timeChunk < 0)
    r.timeChunk = 0;
  return r;
}

Status validateKernel(const KernelDesc &d) {
  if (d.name.empty())
    return Status::error("kernel has no name");
  switch (d.kind) {
  case KernelKind::CausalConv1d:
    if (d.width <= 0)
      return Status::error("causal_conv1d: the kernel width must be known "
                           "when compiling, got " +
                           std::to_string(d.width));
    break;
  case KernelKind::SelectiveScan:
    if (d.dState < 0)
      return Status::error("selective_scan: negative d_state");
    break;
  case KernelKind::Scan: {
    const GenericScanDesc &g = d.scan;
    const int rank = g.stateRank;
    if (rank < 1)
      return Status::error("scan: the state needs at least one dimension");
    std::set<int> covered;
    auto checkDims = [&](const std::vector<int> &dims,
                         const std::string &who) -> Status {
      std::set<int> seen;
      for (int dim : dims) {
        if (dim < 0 || dim > rank || !seen.insert(dim).second)
          return Status::error("scan: " + who +
                               " must index distinct iteration dimensions");
        covered.insert(dim);
      }
      return Status::success();
    };
    for (size_t i = 0; i < g.inputDims.size(); ++i)
      MAMBA_RETURN_IF_ERROR(
          checkDims(g.inputDims[i], "input #" + std::to_string(i)));
    std::set<int> fromInputs = covered;
    if (g.hasInit)
      for (int k = 0; k < rank; ++k)
        fromInputs.insert(k);
    MAMBA_RETURN_IF_ERROR(checkDims(g.outputDims, "y"));
    if (std::find(g.outputDims.begin(), g.outputDims.end(), rank) ==
        g.outputDims.end())
      return Status::error("scan: y must keep the time dimension");
    for (int k = 0; k <= rank; ++k)
      if (!fromInputs.count(k))
        return Status::error(
            "scan: iteration dimension " +
            (k == rank ? std::string("t") : "s" + std::to_string(k)) +
            " has no input (or init) to take its extent from");
    int n = static_cast<int>(g.nodes.size());
    for (int root : {g.decay, g.input, g.readout})
      if (root < 0 || root >= n)
        return Status::error("scan: a region result is missing");
    for (int i = 0; i < n; ++i) {
      const ScanExprNode &node = g.nodes[i];
      if (node.op == ScanExprOp::Arg &&
          (node.arg < 0 || node.arg > static_cast<int>(g.inputDims.size())))
        return Status::error("scan: block argument out of range");
      if (node.lhs >= i || node.rhs >= i)
        return Status::error("scan: expression operands must come first");
    }
    break;
  }
  default:
    break;
  }
  return Status::success();
}

BuiltPipeline buildPipeline(const KernelDesc &d, const Halide::Target &target) {
  HalideSchedule s = resolveSchedule(d.schedule, target);
  switch (d.kind) {
  case KernelKind::SelectiveScan:
    return buildSelectiveScan(d, s);
  case KernelKind::CausalConv1d:
    return buildCausalConv1d(d, s);
  case KernelKind::RMSNorm:
    return buildRMSNorm(d, s);
  case KernelKind::Gate:
    return buildGate(d, s);
  case KernelKind::Scan:
    return buildGenericScan(d, s);
  }
  throw Halide::CompileError("unknown kernel kind");
}

std::string describeKernel(const KernelDesc &d) {
  std::ostringstream os;
  os << kindName(d.kind) << " '" << d.name << "'";
  auto flag = [&](bool on, const char *name) {
    if (on)
      os << " " << name;
  };
  switch (d.kind) {
  case KernelKind::SelectiveScan:
    os << " d_state=" << (d.dState ? std::to_string(d.dState) : "?");
    flag(d.deltaSoftplus, "delta_softplus");
    os << " b_rule=" << (d.zohB ? "zoh" : "simplified");
    flag(d.hasD, "D"), flag(d.hasZ, "z"), flag(d.hasDeltaBias, "delta_bias");
    flag(d.hasInitialState, "initial_state");
    break;
  case KernelKind::CausalConv1d:
    os << " width=" << d.width;
    flag(d.hasBias, "bias"), flag(d.silu, "silu"), flag(d.hasState, "state");
    break;
  case KernelKind::RMSNorm:
    os << " eps=" << d.eps;
    flag(d.hasResidual, "residual");
    break;
  case KernelKind::Gate:
    break;
  case KernelKind::Scan:
    os << " state_rank=" << d.scan.stateRank
       << " inputs=" << d.scan.inputDims.size()
       << " nodes=" << d.scan.nodes.size();
    flag(d.scan.hasInit, "init");
    break;
  }
  HalideSchedule s = resolveSchedule(d.schedule, Halide::get_host_target());
  os << "; schedule: vector_width=" << s.vectorWidth
     << " channel_tile=" << s.channelTile
     << " parallel=" << (s.parallel ? "on" : "off")
     << " time_chunk=" << s.timeChunk << " wide_tile=" << s.wideTile;
  os << "; args:";
  for (const KernelArg &a : kernelArguments(d))
    os << " " << (a.output ? "out " : "") << a.name << "[" << a.rank << "d]";
  return os.str();
}

Expected<std::string> kernelLoopNest(const KernelDesc &d) {
  MAMBA_RETURN_IF_ERROR(validateKernel(d));
  std::ostringstream captured;
  Status st = guarded(d.name, [&] {
    BuiltPipeline p = buildPipeline(d, Halide::get_host_target());
    // print_loop_nest writes to std::cerr.
    std::streambuf *old = std::cerr.rdbuf(captured.rdbuf());
    try {
      p.pipeline.print_loop_nest();
    } catch (...) {
      std::cerr.rdbuf(old);
      throw;
    }
    std::cerr.rdbuf(old);
  });
  if (!st.ok())
    return st;
  return captured.str();
}

} // namespace mamba::halide
