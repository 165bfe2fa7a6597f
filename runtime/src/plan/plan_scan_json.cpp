// A generic scan's description in a plan step ("cuda_scan"): the iteration
// space, the indexing maps and the region expressions, checked on reading
// so that the GPU executor only sees well-formed descriptions.
#include "plan_scan_json.h"

#include <cstdio>
#include <cstdlib>

namespace mamba::plan {
namespace {

constexpr const char *kUnary[] = {"neg", "exp", "log", "sqrt", "tanh", "abs"};
constexpr const char *kBinary[] = {"add", "sub", "mul", "div", "max", "min"};

template <class List> bool contains(const List &list, const std::string &s) {
  for (const char *name : list)
    if (s == name)
      return true;
  return false;
}

std::string number(double v) {
  char buf[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  return buf;
}

std::string ints(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

Status error(const std::string &path, const std::string &what) {
  return Status::error(path + ": " + what);
}

Status integer(const JsonValue *v, const std::string &path, int64_t lo,
               int64_t hi, int64_t &out) {
  if (!v)
    return error(path, "missing");
  if (!v->isInteger())
    return error(path,
                 std::string("expected an integer, got ") + v->typeName());
  out = v->asInt();
  if (out < lo || out > hi)
    return error(path, "expected an integer in [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "], got " +
                           std::to_string(out));
  return Status::success();
}

/// An array of iteration dimensions, each in [0, rank], none twice.
Status dims(const JsonValue *v, const std::string &path, int64_t rank,
            std::vector<int64_t> &out) {
  if (!v)
    return error(path, "missing");
  if (!v->isArray())
    return error(path, std::string("expected an array, got ") + v->typeName());
  for (size_t i = 0; i < v->asArray().size(); ++i) {
    int64_t d = 0;
    const std::string p = path + "[" + std::to_string(i) + "]";
    if (Status s = integer(&v->asArray()[i], p, 0, rank, d); !s.ok())
      return s;
    for (int64_t seen : out)
      if (seen == d)
        return error(p, "iteration dimension " + std::to_string(d) +
                            " appears twice");
    out.push_back(d);
  }
  return Status::success();
}

Status node(const JsonValue &v, const std::string &path, int64_t index,
            int64_t numArgs, ScanNode &out) {
  if (!v.isObject())
    return error(path, std::string("expected an object, got ") + v.typeName());
  const JsonValue *op = v.find("op");
  if (!op || !op->isString())
    return error(path + ".op", "expected a string");
  out.op = op->asString();
  if (out.op == "arg")
    return integer(v.find("arg"), path + ".arg", 0, numArgs - 1, out.arg);
  if (out.op == "constant") {
    const JsonValue *value = v.find("value");
    if (!value || !value->isFiniteNumber())
      return error(path + ".value", "expected a finite number");
    out.value = value->asNumber();
    return Status::success();
  }
  const bool unary = contains(kUnary, out.op);
  if (!unary && !contains(kBinary, out.op))
    return error(path + ".op", "unknown operation \"" + out.op + "\"");
  // An op reads only nodes before it: the list is in evaluation order.
  if (Status s = integer(v.find("lhs"), path + ".lhs", 0, index - 1, out.lhs);
      !s.ok())
    return s;
  if (unary)
    return Status::success();
  return integer(v.find("rhs"), path + ".rhs", 0, index - 1, out.rhs);
}

} // namespace

std::string scanDescJson(const ScanDesc &d) {
  std::string s =
      "{\"state_rank\": " + std::to_string(d.stateRank) + ", \"input_dims\": [";
  for (size_t i = 0; i < d.inputDims.size(); ++i)
    s += (i ? ", " : "") + ints(d.inputDims[i]);
  s += "], \"output_dims\": " + ints(d.outputDims) +
       ", \"has_init\": " + (d.hasInit ? "true" : "false") +
       ",\n         \"nodes\": [";
  for (size_t i = 0; i < d.nodes.size(); ++i) {
    const ScanNode &n = d.nodes[i];
    s += std::string(i ? "," : "") + "\n           {\"op\": \"" + n.op + "\"";
    if (n.op == "arg")
      s += ", \"arg\": " + std::to_string(n.arg);
    else if (n.op == "constant")
      s += ", \"value\": " + number(n.value);
    else
      s += ", \"lhs\": " + std::to_string(n.lhs) +
           (n.rhs >= 0 ? ", \"rhs\": " + std::to_string(n.rhs) : "");
    s += "}";
  }
  return s + "],\n         \"decay\": " + std::to_string(d.decay) +
         ", \"input\": " + std::to_string(d.input) +
         ", \"readout\": " + std::to_string(d.readout) + "}";
}

Status readScanDesc(const JsonValue &v, const std::string &path,
                    ScanDesc &out) {
  if (!v.isObject())
    return error(path, std::string("expected an object, got ") + v.typeName());
  if (Status s = integer(v.find("state_rank"), path + ".state_rank", 1, 8,
                         out.stateRank);
      !s.ok())
    return s;
  const int64_t rank = out.stateRank;
  const JsonValue *inputs = v.find("input_dims");
  if (!inputs || !inputs->isArray())
    return error(path + ".input_dims", "expected an array of arrays");
  for (size_t i = 0; i < inputs->asArray().size(); ++i) {
    out.inputDims.emplace_back();
    if (Status s = dims(&inputs->asArray()[i],
                        path + ".input_dims[" + std::to_string(i) + "]", rank,
                        out.inputDims.back());
        !s.ok())
      return s;
  }
  if (Status s = dims(v.find("output_dims"), path + ".output_dims", rank,
                      out.outputDims);
      !s.ok())
    return s;
  bool hasTime = false;
  for (int64_t d : out.outputDims)
    hasTime |= d == rank;
  if (!hasTime)
    return error(path + ".output_dims",
                 "y must keep the time dimension " + std::to_string(rank));
  const JsonValue *init = v.find("has_init");
  if (!init || !init->isBool())
    return error(path + ".has_init", "expected true or false");
  out.hasInit = init->asBool();
  const JsonValue *nodes = v.find("nodes");
  if (!nodes || !nodes->isArray())
    return error(path + ".nodes", "expected an array of nodes");
  const int64_t numArgs = static_cast<int64_t>(out.inputDims.size()) + 1;
  for (size_t i = 0; i < nodes->asArray().size(); ++i) {
    ScanNode n;
    if (Status s = node(nodes->asArray()[i],
                        path + ".nodes[" + std::to_string(i) + "]",
                        static_cast<int64_t>(i), numArgs, n);
        !s.ok())
      return s;
    out.nodes.push_back(n);
  }
  const int64_t last = static_cast<int64_t>(out.nodes.size()) - 1;
  for (auto [key, root] : {std::pair{"decay", &out.decay},
                           {"input", &out.input},
                           {"readout", &out.readout}})
    if (Status s = integer(v.find(key), path + "." + key, 0, last, *root);
        !s.ok())
      return s;
  return Status::success();
}

} // namespace mamba::plan
