// The JSON form of the execution plan: writer and validating reader.
#include "mamba/json.h"
#include "mamba/plan.h"
#include "plan_scan_json.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mamba::plan {

const View *Step::arg(std::string_view name) const {
  for (const auto &[argName, view] : args)
    if (argName == name)
      return &view;
  return nullptr;
}

const Attr *Step::attr(std::string_view name) const {
  auto it = attrs.find(std::string(name));
  return it == attrs.end() ? nullptr : &it->second;
}

const Function *Plan::function(std::string_view name) const {
  for (const Function &f : functions)
    if (f.name == name)
      return &f;
  return nullptr;
}

namespace {
const char *spaceKey(Space s) {
  switch (s) {
  case Space::Buffer:
    return "buffer";
  case Space::Weight:
    return "weight";
  case Space::State:
    return "state";
  case Space::Tokens:
    return "tokens";
  }
  return "buffer";
}

std::string quote(std::string_view s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      r += '\\';
      r += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      r += buf;
    } else {
      r += c;
    }
  }
  return r + "\"";
}

std::string exprJson(const Expr &e) {
  return e.isConstant() ? std::to_string(e.constant()) : quote(e.str());
}

template <class T, class F>
std::string list(const std::vector<T> &items, F &&each) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i)
    s += (i ? ", " : "") + each(items[i]);
  return s + "]";
}

std::string viewJson(const View &v) {
  auto e = [](const Expr &x) { return exprJson(x); };
  return "{" + quote(spaceKey(v.space)) + ": " + std::to_string(v.index) +
         ", \"offset\": " + exprJson(v.offset) +
         ", \"shape\": " + list(v.shape, e) +
         ", \"strides\": " + list(v.strides, e) + "}";
}

std::string attrJson(const Attr &a) {
  if (a.isString)
    return quote(a.text);
  // The shortest text that reads back as the same double.
  char buf[32];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, a.number);
    if (std::strtod(buf, nullptr) == a.number)
      break;
  }
  return buf;
}
} // namespace

std::string writePlan(const Plan &plan) {
  auto num = [](int64_t v) { return std::to_string(v); };
  std::string s =
      "{\n  \"format\": \"mamba-plan\",\n  \"version\": " + num(plan.version) +
      ",\n  \"model\": " + quote(plan.modelName) +
      ",\n  \"vocab_size\": " + num(plan.vocabSize);
  if (!plan.kernelLibrary.empty())
    s += ",\n  \"kernel_library\": " + quote(plan.kernelLibrary);
  s += ",\n  \"weights\": [";
  for (size_t i = 0; i < plan.weights.size(); ++i) {
    const Weight &w = plan.weights[i];
    s += std::string(i ? "," : "") + "\n    {\"name\": " + quote(w.name) +
         ", \"shape\": " + list(w.shape, num);
    if (!w.transforms.empty())
      s += ", \"transforms\": " +
           list(w.transforms, [](const std::string &t) { return quote(t); });
    s += "}";
  }
  s += "\n  ],\n  \"states\": [";
  for (size_t i = 0; i < plan.states.size(); ++i)
    s += std::string(i ? "," : "") +
         "\n    {\"kind\": " + quote(plan.states[i].kind) +
         ", \"shape\": " + list(plan.states[i].shape, num) + "}";
  s += "\n  ],\n  \"buffers\": [";
  for (size_t i = 0; i < plan.buffers.size(); ++i)
    s += std::string(i ? "," : "") +
         "\n    {\"size\": " + exprJson(plan.buffers[i].size) + "}";
  s += "\n  ],\n  \"functions\": [";
  for (size_t f = 0; f < plan.functions.size(); ++f) {
    const Function &fn = plan.functions[f];
    s += std::string(f ? "," : "") + "\n    {\"name\": " + quote(fn.name) +
         ",\n     \"logits\": " + viewJson(fn.logits) + ",\n     \"steps\": [";
    for (size_t i = 0; i < fn.steps.size(); ++i) {
      const Step &st = fn.steps[i];
      s += std::string(i ? "," : "") +
           "\n      {\"kernel\": " + quote(st.kernel) +
           ", \"origin\": " + quote(st.origin) + ",\n       \"attrs\": {";
      bool first = true;
      for (const auto &[k, a] : st.attrs) {
        s += std::string(first ? "" : ", ") + quote(k) + ": " + attrJson(a);
        first = false;
      }
      s += "},\n       \"args\": {";
      for (size_t a = 0; a < st.args.size(); ++a)
        s += std::string(a ? "," : "") + "\n         " +
             quote(st.args[a].first) + ": " + viewJson(st.args[a].second);
      s += "}";
      if (st.cudaScan)
        s += ",\n       \"cuda_scan\": " + scanDescJson(*st.cudaScan);
      s += "}";
    }
    s += "\n     ]}";
  }
  return s + "\n  ]\n}\n";
}

namespace {
/// Reads typed fields out of the JSON tree; every error names the path.
class Reader {
public:
  Status error(const std::string &path, const std::string &what) const {
    return Status::error(path + ": " + what);
  }

  Status member(const JsonValue &obj, const std::string &path,
                std::string_view key, const JsonValue *&out) const {
    out = obj.isObject() ? obj.find(key) : nullptr;
    if (!out)
      return error(path, "missing member '" + std::string(key) + "'");
    return Status::success();
  }

  Status integer(const JsonValue &v, const std::string &path,
                 int64_t &out) const {
    if (!v.isInteger())
      return error(path,
                   std::string("expected an integer, got ") + v.typeName());
    out = v.asInt();
    return Status::success();
  }

  Status string(const JsonValue &v, const std::string &path,
                std::string &out) const {
    if (!v.isString())
      return error(path, std::string("expected a string, got ") + v.typeName());
    out = v.asString();
    return Status::success();
  }

  Status expr(const JsonValue &v, const std::string &path, Expr &out) const {
    if (v.isInteger()) {
      out = Expr(v.asInt());
      return Status::success();
    }
    if (!v.isString())
      return error(path, std::string("expected an integer or an expression "
                                     "string, got ") +
                             v.typeName());
    Expected<Expr> e = Expr::parse(v.asString());
    if (!e.ok())
      return error(path, e.status().message());
    out = *e;
    return Status::success();
  }

  Status array(const JsonValue &v, const std::string &path) const {
    if (!v.isArray())
      return error(path, std::string("expected an array, got ") + v.typeName());
    return Status::success();
  }

  Status dims(const JsonValue &v, const std::string &path,
              std::vector<int64_t> &out) const {
    if (Status s = array(v, path); !s.ok())
      return s;
    for (size_t i = 0; i < v.asArray().size(); ++i) {
      int64_t d = 0;
      std::string p = path + "[" + std::to_string(i) + "]";
      if (Status s = integer(v.asArray()[i], p, d); !s.ok())
        return s;
      if (d < 0)
        return error(p, "expected a size >= 0, got " + std::to_string(d));
      out.push_back(d);
    }
    return Status::success();
  }

  Status exprs(const JsonValue &v, const std::string &path,
               std::vector<Expr> &out) const {
    if (Status s = array(v, path); !s.ok())
      return s;
    for (size_t i = 0; i < v.asArray().size(); ++i) {
      Expr e;
      if (Status s =
              expr(v.asArray()[i], path + "[" + std::to_string(i) + "]", e);
          !s.ok())
        return s;
      out.push_back(e);
    }
    return Status::success();
  }

  Status view(const JsonValue &v, const std::string &path, const Plan &plan,
              View &out) const {
    if (!v.isObject())
      return error(path,
                   std::string("expected a view object, got ") + v.typeName());
    int found = 0;
    for (Space space :
         {Space::Buffer, Space::Weight, Space::State, Space::Tokens}) {
      const JsonValue *idx = v.find(spaceKey(space));
      if (!idx)
        continue;
      ++found;
      out.space = space;
      if (Status s = integer(*idx, path + "." + spaceKey(space), out.index);
          !s.ok())
        return s;
    }
    if (found != 1)
      return error(path, "expected exactly one of 'buffer', 'weight', 'state' "
                         "or 'tokens'");
    size_t limit = out.space == Space::Buffer   ? plan.buffers.size()
                   : out.space == Space::Weight ? plan.weights.size()
                   : out.space == Space::State  ? plan.states.size()
                                                : 1;
    if (out.index < 0 || static_cast<size_t>(out.index) >= limit)
      return error(path + "." + spaceKey(out.space),
                   "index " + std::to_string(out.index) + " out of range [0, " +
                       std::to_string(limit) + ")");
    const JsonValue *f = nullptr;
    if (Status s = member(v, path, "offset", f); !s.ok())
      return s;
    if (Status s = expr(*f, path + ".offset", out.offset); !s.ok())
      return s;
    if (Status s = member(v, path, "shape", f); !s.ok())
      return s;
    if (Status s = exprs(*f, path + ".shape", out.shape); !s.ok())
      return s;
    if (Status s = member(v, path, "strides", f); !s.ok())
      return s;
    if (Status s = exprs(*f, path + ".strides", out.strides); !s.ok())
      return s;
    if (out.shape.size() != out.strides.size())
      return error(path, "expected as many strides as dimensions, got " +
                             std::to_string(out.strides.size()) + " for " +
                             std::to_string(out.shape.size()));
    return Status::success();
  }

  Status step(const JsonValue &v, const std::string &path, const Plan &plan,
              Step &out) const {
    const JsonValue *f = nullptr;
    if (Status s = member(v, path, "kernel", f); !s.ok())
      return s;
    if (Status s = string(*f, path + ".kernel", out.kernel); !s.ok())
      return s;
    if (const JsonValue *o = v.find("origin"))
      if (Status s = string(*o, path + ".origin", out.origin); !s.ok())
        return s;
    if (const JsonValue *attrs = v.find("attrs")) {
      if (!attrs->isObject())
        return error(path + ".attrs", "expected an object");
      for (const auto &[k, a] : attrs->asObject()) {
        Attr attr;
        if (a.isString()) {
          attr.isString = true;
          attr.text = a.asString();
        } else if (a.isFiniteNumber()) {
          attr.number = a.asNumber();
        } else {
          return error(path + ".attrs." + k,
                       "expected a finite number or a string");
        }
        out.attrs[k] = attr;
      }
    }
    if (Status s = member(v, path, "args", f); !s.ok())
      return s;
    if (!f->isObject())
      return error(path + ".args", "expected an object of views");
    for (const auto &[name, a] : f->asObject()) {
      View view;
      if (Status s = this->view(a, path + ".args." + name, plan, view); !s.ok())
        return s;
      out.args.emplace_back(name, std::move(view));
    }
    if (const JsonValue *scan = v.find("cuda_scan")) {
      out.cudaScan.emplace();
      if (Status s = readScanDesc(*scan, path + ".cuda_scan", *out.cudaScan);
          !s.ok())
        return s;
    }
    return Status::success();
  }
};
} // namespace

Expected<Plan> readPlan(std::string_view text) {
  Expected<JsonValue> json = parseJson(text);
  if (!json.ok())
    return json.status();
  const JsonValue &root = *json;
  Reader r;
  Plan plan;
  if (!root.isObject())
    return r.error("plan", "expected an object");
  const JsonValue *f = nullptr;
  std::string format;
  if (Status s = r.member(root, "plan", "format", f); !s.ok())
    return s;
  if (Status s = r.string(*f, "format", format); !s.ok())
    return s;
  if (format != "mamba-plan")
    return r.error("format", "expected \"mamba-plan\", got \"" + format + "\"");
  if (Status s = r.member(root, "plan", "version", f); !s.ok())
    return s;
  if (Status s = r.integer(*f, "version", plan.version); !s.ok())
    return s;
  if (plan.version != kFormatVersion)
    return r.error("version", "this runtime reads plan format version " +
                                  std::to_string(kFormatVersion) + ", got " +
                                  std::to_string(plan.version) +
                                  " (recompile the model)");
  if (const JsonValue *m = root.find("model"))
    if (Status s = r.string(*m, "model", plan.modelName); !s.ok())
      return s;
  if (Status s = r.member(root, "plan", "vocab_size", f); !s.ok())
    return s;
  if (Status s = r.integer(*f, "vocab_size", plan.vocabSize); !s.ok())
    return s;
  if (plan.vocabSize < 1)
    return r.error("vocab_size", "expected at least 1");
  if (const JsonValue *lib = root.find("kernel_library"))
    if (Status s = r.string(*lib, "kernel_library", plan.kernelLibrary);
        !s.ok())
      return s;

  if (Status s = r.member(root, "plan", "weights", f); !s.ok())
    return s;
  if (Status s = r.array(*f, "weights"); !s.ok())
    return s;
  for (size_t i = 0; i < f->asArray().size(); ++i) {
    const JsonValue &w = f->asArray()[i];
    std::string p = "weights[" + std::to_string(i) + "]";
    Weight weight;
    const JsonValue *g = nullptr;
    if (Status s = r.member(w, p, "name", g); !s.ok())
      return s;
    if (Status s = r.string(*g, p + ".name", weight.name); !s.ok())
      return s;
    if (Status s = r.member(w, p, "shape", g); !s.ok())
      return s;
    if (Status s = r.dims(*g, p + ".shape", weight.shape); !s.ok())
      return s;
    if (const JsonValue *t = w.find("transforms")) {
      if (Status s = r.array(*t, p + ".transforms"); !s.ok())
        return s;
      for (size_t k = 0; k < t->asArray().size(); ++k) {
        std::string name;
        std::string tp = p + ".transforms[" + std::to_string(k) + "]";
        if (Status s = r.string(t->asArray()[k], tp, name); !s.ok())
          return s;
        if (name != "exp" && name != "neg")
          return r.error(tp,
                         "expected \"exp\" or \"neg\", got \"" + name + "\"");
        weight.transforms.push_back(name);
      }
    }
    plan.weights.push_back(std::move(weight));
  }

  if (Status s = r.member(root, "plan", "states", f); !s.ok())
    return s;
  if (Status s = r.array(*f, "states"); !s.ok())
    return s;
  for (size_t i = 0; i < f->asArray().size(); ++i) {
    const JsonValue &v = f->asArray()[i];
    std::string p = "states[" + std::to_string(i) + "]";
    State state;
    const JsonValue *g = nullptr;
    if (Status s = r.member(v, p, "kind", g); !s.ok())
      return s;
    if (Status s = r.string(*g, p + ".kind", state.kind); !s.ok())
      return s;
    if (state.kind != "conv" && state.kind != "ssm")
      return r.error(p + ".kind", "expected \"conv\" or \"ssm\", got \"" +
                                      state.kind + "\"");
    if (Status s = r.member(v, p, "shape", g); !s.ok())
      return s;
    if (Status s = r.dims(*g, p + ".shape", state.shape); !s.ok())
      return s;
    plan.states.push_back(std::move(state));
  }

  if (Status s = r.member(root, "plan", "buffers", f); !s.ok())
    return s;
  if (Status s = r.array(*f, "buffers"); !s.ok())
    return s;
  for (size_t i = 0; i < f->asArray().size(); ++i) {
    std::string p = "buffers[" + std::to_string(i) + "]";
    const JsonValue *g = nullptr;
    Buffer buffer;
    if (Status s = r.member(f->asArray()[i], p, "size", g); !s.ok())
      return s;
    if (Status s = r.expr(*g, p + ".size", buffer.size); !s.ok())
      return s;
    plan.buffers.push_back(buffer);
  }

  if (Status s = r.member(root, "plan", "functions", f); !s.ok())
    return s;
  if (Status s = r.array(*f, "functions"); !s.ok())
    return s;
  for (size_t i = 0; i < f->asArray().size(); ++i) {
    const JsonValue &v = f->asArray()[i];
    std::string p = "functions[" + std::to_string(i) + "]";
    Function fn;
    const JsonValue *g = nullptr;
    if (Status s = r.member(v, p, "name", g); !s.ok())
      return s;
    if (Status s = r.string(*g, p + ".name", fn.name); !s.ok())
      return s;
    p = "functions." + fn.name;
    if (plan.function(fn.name))
      return r.error(p, "defined twice");
    if (Status s = r.member(v, p, "logits", g); !s.ok())
      return s;
    if (Status s = r.view(*g, p + ".logits", plan, fn.logits); !s.ok())
      return s;
    if (Status s = r.member(v, p, "steps", g); !s.ok())
      return s;
    if (Status s = r.array(*g, p + ".steps"); !s.ok())
      return s;
    for (size_t k = 0; k < g->asArray().size(); ++k) {
      Step st;
      if (Status s = r.step(g->asArray()[k],
                            p + ".steps[" + std::to_string(k) + "]", plan, st);
          !s.ok())
        return s;
      fn.steps.push_back(std::move(st));
    }
    plan.functions.push_back(std::move(fn));
  }
  return plan;
}

Expected<Plan> readPlanFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path + ": cannot open the plan file");
  std::ostringstream text;
  text << in.rdbuf();
  Expected<Plan> plan = readPlan(text.str());
  if (!plan.ok())
    return Status::error(path + ": " + plan.status().message());
  const std::string &lib = plan->kernelLibrary;
  if (!lib.empty() && lib[0] != '/') {
    size_t slash = path.rfind('/');
    plan->kernelLibrary = (slash == std::string::npos ? std::string(".")
                                                      : path.substr(0, slash)) +
                          "/" + lib;
  }
  return plan;
}

} // namespace mamba::plan
