// Emits the kernel of the generic ssm.scan: the region expressions printed
// as F32 statements inside a sequential time loop, state in registers, the
// readout summed over the state dimensions y drops with warp shuffles.
#include "mamba/codegen/generic_scan.h"
#include "emit_util.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

namespace mamba::codegen::cuda {

using detail::cType;
using detail::subst;
using detail::Vars;

GenericScanSchedule defaultGenericScanSchedule(long long slots) {
  GenericScanSchedule s;
  if (slots <= 1)
    return s;
  // Up to 4 slots per thread (registers), then up to 32 lanes per point.
  s.itemsPerThread = static_cast<int>(std::min(slots, 4LL));
  const long long perLane = (slots + s.itemsPerThread - 1) / s.itemsPerThread;
  while (s.lanes < 32 && s.lanes < perLane)
    s.lanes *= 2;
  return s;
}

namespace {

bool isBinary(ScanExprOp op) {
  switch (op) {
  case ScanExprOp::Add:
  case ScanExprOp::Sub:
  case ScanExprOp::Mul:
  case ScanExprOp::Div:
  case ScanExprOp::Max:
  case ScanExprOp::Min:
    return true;
  default:
    return false;
  }
}

bool isLeaf(ScanExprOp op) {
  return op == ScanExprOp::Arg || op == ScanExprOp::Constant;
}

std::string dimName(int dim, int rank) {
  return dim == rank ? "t" : "s" + std::to_string(dim);
}

/// The nodes `roots` read, directly or not, as a mask over `nodes`.
std::vector<bool> reachable(const std::vector<ScanExprNode> &nodes,
                            const std::vector<int> &roots) {
  std::vector<bool> used(nodes.size(), false);
  std::vector<int> work(roots);
  while (!work.empty()) {
    const int n = work.back();
    work.pop_back();
    if (used[n])
      continue;
    used[n] = true;
    if (nodes[n].lhs >= 0)
      work.push_back(nodes[n].lhs);
    if (isBinary(nodes[n].op))
      work.push_back(nodes[n].rhs);
  }
  return used;
}

std::string validateDims(const std::string &who, const std::vector<int> &dims,
                         int rank) {
  std::vector<bool> seen(rank + 1, false);
  for (int d : dims) {
    if (d < 0 || d > rank)
      return who + " maps a tensor dimension to " + std::to_string(d) +
             ", which is not an iteration dimension (0.." +
             std::to_string(rank) + ", " + std::to_string(rank) + " = t)";
    if (seen[d])
      return who + " maps two tensor dimensions to " + dimName(d, rank);
    seen[d] = true;
  }
  return "";
}

std::string validate(const GenericScanDesc &d) {
  const std::string &n = d.name;
  if (!detail::isIdentifier(n))
    return "generic_scan: kernel name '" + n + "' is not an identifier";
  if (d.stateRank < 0 || d.stateRank > 8)
    return n + ": the state rank must be in [0, 8], got " +
           std::to_string(d.stateRank);
  const int numInputs = static_cast<int>(d.inputDims.size());
  if (!d.inputTypes.empty() && d.inputTypes.size() != d.inputDims.size())
    return n + ": " + std::to_string(d.inputTypes.size()) +
           " input element types for " + std::to_string(numInputs) + " inputs";
  for (int i = 0; i < numInputs; ++i)
    if (std::string e = validateDims(n + ": input #" + std::to_string(i),
                                     d.inputDims[i], d.stateRank);
        !e.empty())
      return e;
  if (std::string e = validateDims(n + ": y", d.outputDims, d.stateRank);
      !e.empty())
    return e;
  if (std::find(d.outputDims.begin(), d.outputDims.end(), d.stateRank) ==
      d.outputDims.end())
    return n + ": y must keep the time dimension t";

  const int numNodes = static_cast<int>(d.nodes.size());
  for (int i = 0; i < numNodes; ++i) {
    const ScanExprNode &e = d.nodes[i];
    const std::string what =
        n + ": node " + std::to_string(i) + " (" + scanExprOpName(e.op) + ")";
    if (static_cast<unsigned>(e.op) > static_cast<unsigned>(ScanExprOp::Abs))
      return what + " is not a supported operation";
    if (e.op == ScanExprOp::Arg && (e.arg < 0 || e.arg > numInputs))
      return what + " reads argument " + std::to_string(e.arg) +
             "; the regions have " + std::to_string(numInputs + 1) +
             " (the state, then one per input)";
    if (isLeaf(e.op))
      continue;
    if (e.lhs < 0 || e.lhs >= i)
      return what + " reads node " + std::to_string(e.lhs) +
             ", which is not defined before it";
    if (isBinary(e.op) && (e.rhs < 0 || e.rhs >= i))
      return what + " reads node " + std::to_string(e.rhs) +
             ", which is not defined before it";
  }
  for (auto [root, role] : {std::pair<int, const char *>{d.decay, "decay a_t"},
                            {d.input, "input b_t"},
                            {d.readout, "readout"}})
    if (root < 0 || root >= numNodes)
      return n + ": the " + role + " is node " + std::to_string(root) +
             ", not one of the " + std::to_string(numNodes) + " nodes";
  for (auto [root, role] : {std::pair<int, const char *>{d.decay, "decay a_t"},
                            {d.input, "input b_t"}}) {
    std::vector<bool> used = reachable(d.nodes, {root});
    for (int i = 0; i < numNodes; ++i)
      if (used[i] && d.nodes[i].op == ScanExprOp::Arg && d.nodes[i].arg == 0)
        return n + ": the " + role +
               " reads the state h_{t-1}; the update must be h_t = a_t * "
               "h_{t-1} + b_t with a_t and b_t independent of the state";
  }

  const GenericScanSchedule &s = d.schedule;
  if (s.threadsPerBlock < 32 || s.threadsPerBlock > 1024 ||
      s.threadsPerBlock % 32 != 0)
    return n +
           ": threadsPerBlock must be a multiple of 32 in [32, 1024], got " +
           std::to_string(s.threadsPerBlock);
  if (s.lanes < 1 || s.lanes > 32 || (s.lanes & (s.lanes - 1)) != 0)
    return n + ": lanes must be a power of two in [1, 32], got " +
           std::to_string(s.lanes);
  if (s.itemsPerThread < 1 || s.itemsPerThread > 64)
    return n + ": itemsPerThread must be in [1, 64], got " +
           std::to_string(s.itemsPerThread);
  return "";
}

/// A float literal that reads back as `v` (non-finite values by their bits).
std::string floatLiteral(float v) {
  if (!std::isfinite(v)) {
    unsigned bits;
    std::memcpy(&bits, &v, sizeof bits);
    char buf[40];
    std::snprintf(buf, sizeof buf, "__uint_as_float(0x%08xu)", bits);
    return buf;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0";
  return s + "f";
}

/// Prints the expressions of one region context as C statements.
class ExprPrinter {
public:
  /// `argText[k]`: the C value of argument k; `prefix` names the nodes.
  ExprPrinter(const std::vector<ScanExprNode> &nodes,
              std::vector<std::string> argText, std::string prefix)
      : nodes_(nodes), args_(std::move(argText)), prefix_(std::move(prefix)) {}

  /// The C value of node `n`: an argument, a literal or a statement's name.
  std::string value(int n) const {
    const ScanExprNode &e = nodes_[n];
    if (e.op == ScanExprOp::Arg)
      return args_[e.arg];
    if (e.op == ScanExprOp::Constant)
      return floatLiteral(e.value);
    return prefix_ + std::to_string(n);
  }

  /// One `const float` statement per op node `roots` read, in node order.
  std::string statements(const std::vector<int> &roots,
                         const std::string &indent) const {
    std::vector<bool> used = reachable(nodes_, roots);
    std::string out;
    for (size_t n = 0; n < nodes_.size(); ++n)
      if (used[n] && !isLeaf(nodes_[n].op))
        out += indent + "const float " + value(static_cast<int>(n)) + " = " +
               opText(nodes_[n]) + ";\n";
    return out;
  }

private:
  std::string opText(const ScanExprNode &e) const {
    const std::string l = value(e.lhs);
    const std::string r = isBinary(e.op) ? value(e.rhs) : "";
    switch (e.op) {
    case ScanExprOp::Add:
      return l + " + " + r;
    case ScanExprOp::Sub:
      return l + " - " + r;
    case ScanExprOp::Mul:
      return l + " * " + r;
    case ScanExprOp::Div:
      return l + " / " + r;
    case ScanExprOp::Max:
      return "fmaxf(" + l + ", " + r + ")";
    case ScanExprOp::Min:
      return "fminf(" + l + ", " + r + ")";
    case ScanExprOp::Neg:
      return "-" + l;
    case ScanExprOp::Exp:
      return "expf(" + l + ")";
    case ScanExprOp::Log:
      return "logf(" + l + ")";
    case ScanExprOp::Sqrt:
      return "sqrtf(" + l + ")";
    case ScanExprOp::Tanh:
      return "tanhf(" + l + ")";
    case ScanExprOp::Abs:
      return "fabsf(" + l + ")";
    default:
      return l;
    }
  }

  const std::vector<ScanExprNode> &nodes_;
  std::vector<std::string> args_;
  std::string prefix_;
};

/// Every node as a formula for the header comment (in node order, so shared
/// subexpressions are printed once each), cut after ~160 characters. Sums
/// and differences are parenthesized; products and quotients need not be.
std::vector<std::string> formulas(const std::vector<ScanExprNode> &nodes,
                                  const std::string &state) {
  std::vector<std::string> f(nodes.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    const ScanExprNode &e = nodes[n];
    const std::string l = isLeaf(e.op) ? "" : f[e.lhs];
    const std::string r = isBinary(e.op) ? f[e.rhs] : "";
    std::string out;
    switch (e.op) {
    case ScanExprOp::Arg:
      out = e.arg == 0 ? state : "in" + std::to_string(e.arg - 1);
      break;
    case ScanExprOp::Constant:
      out = floatLiteral(e.value);
      if (out.back() == 'f')
        out.pop_back();
      break;
    case ScanExprOp::Add:
      out = "(" + l + " + " + r + ")";
      break;
    case ScanExprOp::Sub:
      out = "(" + l + " - " + r + ")";
      break;
    case ScanExprOp::Mul:
      out = l + " * " + r;
      break;
    case ScanExprOp::Div: {
      const ScanExprOp ro = nodes[e.rhs].op;
      const bool wrap = ro == ScanExprOp::Mul || ro == ScanExprOp::Div;
      out = l + " / " + (wrap ? "(" + r + ")" : r);
      break;
    }
    case ScanExprOp::Max:
    case ScanExprOp::Min:
      out = scanExprOpName(e.op) + ("(" + l + ", " + r + ")");
      break;
    case ScanExprOp::Neg:
      out = "-" + l;
      break;
    default: { // a function of one argument: exp(x), exp(a + b)
      const ScanExprOp lo = nodes[e.lhs].op;
      const bool wrapped = lo == ScanExprOp::Add || lo == ScanExprOp::Sub;
      out = scanExprOpName(e.op) + (wrapped ? l : "(" + l + ")");
    }
    }
    f[n] = out.size() > 160 ? out.substr(0, 157) + "..." : out;
  }
  return f;
}

/// Root `n`'s formula without the parentheses of a top-level sum.
std::string rootFormula(const std::vector<ScanExprNode> &nodes, int n,
                        const std::string &state) {
  std::string f = formulas(nodes, state)[n];
  const ScanExprOp op = nodes[n].op;
  if ((op == ScanExprOp::Add || op == ScanExprOp::Sub) && f.back() == ')')
    f = f.substr(1, f.size() - 2);
  return f;
}

std::string join(const std::vector<std::string> &parts, const char *sep,
                 const std::string &empty) {
  if (parts.empty())
    return empty;
  std::string out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i)
    out += sep + parts[i];
  return out;
}

/// How the kernel addresses the iteration space of one description.
struct Space {
  int rank = 0;
  std::vector<bool> kept; ///< per state dimension: y keeps it
  std::vector<int> keptDims, summedDims;

  explicit Space(const GenericScanDesc &d)
      : rank(d.stateRank), kept(d.stateRank, false) {
    for (int dim : d.outputDims)
      if (dim < rank)
        kept[dim] = true;
    for (int dim = 0; dim < rank; ++dim)
      (kept[dim] ? keptDims : summedDims).push_back(dim);
  }

  /// The coordinate of iteration dimension `dim` (per item for summed dims).
  std::string coord(int dim) const {
    if (dim == rank)
      return "t";
    return kept[dim] ? "c" + std::to_string(dim)
                     : "c" + std::to_string(dim) + "[i]";
  }

  bool usesSummed(const std::vector<int> &dims) const {
    return std::any_of(dims.begin(), dims.end(),
                       [&](int dim) { return dim < rank && !kept[dim]; });
  }

  /// The element offset of `tensor` at the current point, with strides
  /// `tensor`_<dim name>; `withTime` false leaves out the time term.
  std::string offset(const std::string &tensor, const std::vector<int> &dims,
                     bool withTime = true) const {
    std::vector<std::string> terms;
    for (int dim : dims)
      if (withTime || dim != rank)
        terms.push_back(coord(dim) + " * " + tensor + "_" + dimName(dim, rank));
    return join(terms, " + ", "0");
  }
};

std::string header(const GenericScanDesc &d, const Space &sp) {
  std::vector<std::string> iter, yIdx, summed, inputs;
  for (int dim = 0; dim <= d.stateRank; ++dim)
    iter.push_back(dimName(dim, d.stateRank));
  for (int dim : d.outputDims)
    yIdx.push_back(dimName(dim, d.stateRank));
  for (int dim : sp.summedDims)
    summed.push_back(dimName(dim, d.stateRank));
  for (size_t k = 0; k < d.inputDims.size(); ++k) {
    std::vector<std::string> idx;
    for (int dim : d.inputDims[k])
      idx.push_back(dimName(dim, d.stateRank));
    inputs.push_back(
        "in" + std::to_string(k) + "[" + join(idx, ", ", "") + "] " +
        elemTypeName(d.inputTypes.empty() ? ElemType::F32 : d.inputTypes[k]));
  }
  std::vector<std::string> state(iter.begin(), iter.end() - 1);
  const std::string h =
      state.empty() ? "h" : "h[" + join(state, ", ", "") + "]";
  const std::string readout = rootFormula(d.nodes, d.readout, "h_t");
  const GenericScanSchedule &s = d.schedule;
  return subst(
      R"(// ssm.scan $NAME: a first-order linear recurrence over ($ITER).
//   update:  $H_t = a_t * $H_{t-1} + b_t, $H_{-1} = $INIT
//            a_t = $DECAY
//            b_t = $INPUT
//   readout: y[$YIDX] = $SUM$READOUT
// $INPUTS; y $YT; state f32; F32 arithmetic.
// Schedule: $THREADS threads; $LANES lane(s) per point of y, $ITEMS state slot(s) per lane.
)",
      {{"NAME", d.name},
       {"ITER", join(iter, ", ", "")},
       {"H", h},
       {"INIT", d.hasInit ? "init" : "0"},
       {"DECAY", rootFormula(d.nodes, d.decay, "h_{t-1}")},
       {"INPUT", rootFormula(d.nodes, d.input, "h_{t-1}")},
       {"YIDX", join(yIdx, ", ", "")},
       {"SUM",
        summed.empty() ? "" : "sum over " + join(summed, ", ", "") + " of "},
       {"READOUT", summed.empty() ? readout : "(" + readout + ")"},
       {"INPUTS", join(inputs, ", ", "no inputs")},
       {"YT", elemTypeName(d.yType)},
       {"THREADS", std::to_string(s.threadsPerBlock)},
       {"LANES", std::to_string(s.lanes)},
       {"ITEMS", std::to_string(s.itemsPerThread)}});
}

/// `groups` of arguments after `head`, each group starting a line, wrapped
/// at 80 columns.
std::string argumentList(const std::string &head,
                         const std::vector<std::vector<std::string>> &groups) {
  const std::string indent(head.size(), ' ');
  std::string out = head, line;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t i = 0; i < groups[g].size(); ++i) {
      const bool last = g + 1 == groups.size() && i + 1 == groups[g].size();
      const std::string arg = groups[g][i] + (last ? ")" : ",");
      if (!line.empty() && line.size() + 1 + arg.size() > 80 - indent.size()) {
        out += line + "\n" + indent;
        line.clear();
      }
      line += (line.empty() ? "" : " ") + arg;
    }
    out += line + (g + 1 == groups.size() ? "" : "\n" + indent);
    line.clear();
  }
  return out;
}

std::string signature(const GenericScanDesc &d) {
  std::vector<std::vector<std::string>> groups(2);
  auto strides = [&](const std::string &tensor, const std::vector<int> &dims) {
    std::vector<std::string> group;
    for (int dim : dims)
      group.push_back("long long " + tensor + "_" + dimName(dim, d.stateRank));
    if (!group.empty())
      groups.push_back(group);
  };
  std::vector<int> stateDims;
  for (int dim = 0; dim < d.stateRank; ++dim)
    stateDims.push_back(dim);
  for (size_t k = 0; k < d.inputDims.size(); ++k) {
    const ElemType t = d.inputTypes.empty() ? ElemType::F32 : d.inputTypes[k];
    groups[0].push_back("const " + std::string(cType(t)) + " *__restrict__ in" +
                        std::to_string(k));
    strides("in" + std::to_string(k), d.inputDims[k]);
  }
  // init and final_state may be one buffer: each thread reads and writes
  // only its own state slots.
  groups[0].push_back("const float *init");
  groups[0].push_back(std::string(cType(d.yType)) + " *__restrict__ y");
  groups[0].push_back("float *final_state");
  strides("init", stateDims);
  strides("y", d.outputDims);
  strides("final_state", stateDims);
  for (int dim = 0; dim < d.stateRank; ++dim)
    groups[1].push_back("int n" + std::to_string(dim));
  groups[1].push_back("int seqlen");
  return "extern \"C\" __global__ void __launch_bounds__(" +
         std::to_string(d.schedule.threadsPerBlock) + ")\n" +
         argumentList(d.name + "(", groups) + " {\n";
}

} // namespace

long long genericScanBlocks(const GenericScanDesc &desc,
                            const std::vector<long long> &stateSizes) {
  if (static_cast<int>(stateSizes.size()) != desc.stateRank)
    return 0;
  const Space sp(desc);
  long long points = 1;
  for (int dim : sp.keptDims)
    points *= stateSizes[dim];
  const long long threads = points * desc.schedule.lanes;
  return (threads + desc.schedule.threadsPerBlock - 1) /
         desc.schedule.threadsPerBlock;
}

Emitted emitGenericScan(const GenericScanDesc &d) {
  if (std::string e = validate(d); !e.empty())
    return {"", e};
  const Space sp(d);
  const int numInputs = static_cast<int>(d.inputDims.size());
  const int lanes = d.schedule.lanes;

  // Inputs by what they vary with: loaded once per group of slots (no t),
  // once per step (no summed dim) or once per step and slot.
  std::string perGroup, perStep, perItem;
  std::vector<std::string> updateArgs{"h[i]"};
  for (int k = 0; k < numInputs; ++k) {
    const std::vector<int> &dims = d.inputDims[k];
    const std::string in = "in" + std::to_string(k),
                      x = "x" + std::to_string(k);
    const bool timed =
        std::find(dims.begin(), dims.end(), d.stateRank) != dims.end();
    const bool perSlot = sp.usesSummed(dims);
    const std::string load =
        "mamba_to_float(" + in + "[" + sp.offset(in, dims) + "])";
    if (!timed && perSlot) {
      perGroup += "    float " + x + "[kItems];\n#pragma unroll\n" +
                  "    for (int i = 0; i < kItems; ++i)\n      " + x +
                  "[i] = live[i] ? " + load + " : 0.0f;\n";
      updateArgs.push_back(x + "[i]");
      continue;
    }
    const std::string stmt = "const float " + x + " = " + load + ";\n";
    if (!timed)
      perGroup += "    " + stmt;
    else if (!perSlot)
      perStep += "      " + stmt;
    else
      perItem += "        " + stmt;
    updateArgs.push_back(x);
  }
  // Both regions read h[i]: before the update it is h_{t-1}, after it h_t.
  const ExprPrinter update(d.nodes, updateArgs, "u");
  const ExprPrinter readout(d.nodes, updateArgs, "r");

  std::string src = header(d, sp) + signature(d);
  src += "  constexpr int kLanes = " + std::to_string(lanes) +
         ", kItems = " + std::to_string(d.schedule.itemsPerThread) + ";\n";
  src +=
      R"(  const long long gid = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  const int lane = static_cast<int>(gid % kLanes);
  // The point of y this lane group owns; its last kept dimension is fastest.
  long long rest = gid / kLanes;
)";
  for (auto it = sp.keptDims.rbegin(); it != sp.keptDims.rend(); ++it) {
    const std::string c = "c" + std::to_string(*it),
                      n = "n" + std::to_string(*it);
    src += "  const long long " + c + " = rest % " + n + ";\n  rest /= " + n +
           ";\n";
  }
  src += "  if (rest != 0)\n    return; // past the last point: the whole "
         "lane group leaves\n";
  if (lanes > 1) {
    const std::string mask =
        lanes == 32 ? "0xffffffffu"
                    : "((1u << kLanes) - 1u) << (threadIdx.x % 32 / kLanes * "
                      "kLanes)";
    src += "  const unsigned mask = " + mask + "; // this lane group\n";
  }
  std::string slots = "1LL";
  for (int dim : sp.summedDims)
    slots += " * n" + std::to_string(dim);
  src += "  // State slots summed into one element of y.\n";
  src += "  const long long slots = " + slots + ";\n";
  src += R"(  for (long long g = 0; g < slots; g += kLanes * kItems) {
    bool live[kItems];
    float h[kItems];
)";
  for (int dim : sp.summedDims)
    src += "    long long c" + std::to_string(dim) + "[kItems];\n";
  src += R"(#pragma unroll
    for (int i = 0; i < kItems; ++i) {
      long long p = g + i * kLanes + lane;
      live[i] = p < slots;
)";
  for (auto it = sp.summedDims.rbegin(); it != sp.summedDims.rend(); ++it) {
    const std::string c = "c" + std::to_string(*it),
                      n = "n" + std::to_string(*it);
    src += "      " + c + "[i] = p % " + n + ";\n";
    if (*it != sp.summedDims.front())
      src += "      p /= " + n + ";\n";
  }
  std::vector<int> stateDims;
  for (int dim = 0; dim < d.stateRank; ++dim)
    stateDims.push_back(dim);
  src += d.hasInit ? "      h[i] = live[i] ? init[" +
                         sp.offset("init", stateDims) + "] : 0.0f;\n"
                   : "      h[i] = 0.0f;\n";
  src += "    }\n" + perGroup;
  src += R"(    for (int t = 0; t < seqlen; ++t) {
)" + perStep +
         R"(      float acc = 0.0f;
#pragma unroll
      for (int i = 0; i < kItems; ++i) {
        if (!live[i])
          continue;
)" + perItem;
  src += update.statements({d.decay, d.input}, "        ");
  src += "        h[i] = fmaf(" + update.value(d.decay) + ", h[i], " +
         update.value(d.input) + ");\n";
  src += readout.statements({d.readout}, "        ");
  src += "        acc += " + readout.value(d.readout) + ";\n      }\n";
  if (lanes > 1)
    src += R"(#pragma unroll
      for (int off = kLanes / 2; off > 0; off >>= 1)
        acc += __shfl_xor_sync(mask, acc, off);
)";
  src += "      if (lane == 0) {\n        " + std::string(cType(d.yType)) +
         " *out = &y[" + sp.offset("y", d.outputDims) + "];\n";
  src += R"(        // Later groups of slots add to the sum of the earlier ones.
        mamba_store(out, g == 0 ? acc : mamba_to_float(*out) + acc);
      }
    }
#pragma unroll
    for (int i = 0; i < kItems; ++i)
      if (live[i])
        final_state[)" +
         sp.offset("final_state", stateDims) + R"(] = h[i];
  }
}
)";
  return {src, ""};
}

} // namespace mamba::codegen::cuda
