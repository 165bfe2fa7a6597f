// The execution plan format: expressions, the JSON round trip, and the
// reader's errors on malformed plans (each names the JSON path).
#include "mamba/plan.h"

#include <gtest/gtest.h>

namespace mamba::plan {
namespace {

TEST(PlanExpr, ParsesEvaluatesAndPrints) {
  auto e = Expr::parse("64*batch*seqlen + 32 - seqlen");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->eval(2, 5), 64 * 10 + 32 - 5);
  EXPECT_EQ(e->str(), "64*batch*seqlen - seqlen + 32");
  auto back = Expr::parse(e->str());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *e);
  EXPECT_TRUE(Expr(7).isConstant());
  EXPECT_EQ((Expr::batch() * Expr(3) + Expr::batch()).str(), "4*batch");
  EXPECT_EQ((Expr(2) + Expr(-2)).str(), "0");
}

TEST(PlanExpr, RejectsBadText) {
  for (const char *bad :
       {"", "batch +", "3**batch", "tokens", "2 3", "99999999999999999999"}) {
    auto e = Expr::parse(bad);
    EXPECT_FALSE(e.ok()) << bad;
  }
  auto e = Expr::parse("4*batc");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("column 3"), std::string::npos)
      << e.status().message();
}

TEST(PlanExpr, TermwiseMaxBoundsBoth) {
  Expr a = Expr(16) * Expr::batch() * Expr::seqlen();
  Expr b = Expr(64) * Expr::batch() * Expr::seqlen();
  ASSERT_TRUE(a.sameShapeAs(b));
  EXPECT_EQ(a.termwiseMax(b), b);
  EXPECT_FALSE(a.sameShapeAs(Expr(64) * Expr::batch()));
}

Plan smallPlan() {
  Plan p;
  p.modelName = "m";
  p.vocabSize = 8;
  p.weights.push_back({"emb", {8, 4}, {}});
  p.weights.push_back({"A_log", {4, 2}, {"exp", "neg"}});
  p.states.push_back({"ssm", {4, 2}});
  p.buffers.push_back({Expr(4) * Expr::batch() * Expr::seqlen()});
  Function f;
  f.name = "prefill";
  Step s;
  s.kernel = "embedding";
  s.origin = "ssm.embedding";
  s.attrs["eps"].number = 1e-5;
  View tok;
  tok.space = Space::Tokens;
  tok.shape = {Expr::batch(), Expr::seqlen()};
  tok.strides = {Expr::seqlen(), Expr(1)};
  s.args.emplace_back("tokens", tok);
  View out;
  out.space = Space::Buffer;
  out.shape = {Expr::batch(), Expr::seqlen(), Expr(4)};
  out.strides = {Expr(4) * Expr::seqlen(), Expr(4), Expr(1)};
  s.args.emplace_back("out", out);
  f.steps.push_back(s);
  f.logits = out;
  p.functions.push_back(f);
  return p;
}

TEST(PlanJson, RoundTrips) {
  Plan p = smallPlan();
  std::string text = writePlan(p);
  auto back = readPlan(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(writePlan(*back), text);
  EXPECT_EQ(back->weights[1].transforms.size(), 2u);
  ASSERT_NE(back->function("prefill"), nullptr);
  const Step &s = back->function("prefill")->steps[0];
  EXPECT_EQ(s.arg("out")->strides[0].str(), "4*seqlen");
  EXPECT_DOUBLE_EQ(s.attr("eps")->number, 1e-5);
}

/// readPlan() of writePlan(smallPlan()) with `from` replaced by `to`.
Status readEdited(const std::string &from, const std::string &to) {
  std::string text = writePlan(smallPlan());
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos)
    return Status::error("pattern not found");
  text.replace(at, from.size(), to);
  auto p = readPlan(text);
  return p.ok() ? Status::success() : p.status();
}

TEST(PlanJson, ErrorsNameThePath) {
  struct Case {
    const char *from, *to, *message;
  } cases[] = {
      {"\"version\": 1", "\"version\": 2",
       "version: this runtime reads plan format version 1, got 2"},
      {"\"format\": \"mamba-plan\"", "\"format\": \"onnx\"",
       "format: expected \"mamba-plan\""},
      {"\"exp\"", "\"log\"", "weights[1].transforms[0]: expected"},
      {"\"kind\": \"ssm\"", "\"kind\": \"kv\"", "states[0].kind"},
      {"\"buffer\": 0", "\"buffer\": 3",
       "functions.prefill.logits.buffer: index 3 out of range [0, 1)"},
      {"\"strides\": [\"4*seqlen\", 4, 1]", "\"strides\": [4, 1]",
       "expected as many strides as dimensions"},
      {"\"size\": \"4*batch*seqlen\"", "\"size\": \"4*batch*\"",
       "buffers[0].size: expression"},
      {"\"vocab_size\": 8", "\"vocab_size\": 0", "vocab_size: expected"},
      {"\"shape\": [8, 4]", "\"shape\": [8, -4]",
       "weights[0].shape[1]: expected a size >= 0"},
      {"\"eps\": 1e-05", "\"eps\": NaN",
       "steps[0].attrs.eps: expected a finite number or a string"},
  };
  for (const Case &c : cases) {
    Status s = readEdited(c.from, c.to);
    ASSERT_FALSE(s.ok()) << c.from;
    EXPECT_NE(s.message().find(c.message), std::string::npos)
        << "got: " << s.message();
  }
  auto bad = readPlan("{\"format\": ");
  EXPECT_FALSE(bad.ok());
  auto missing = readPlanFile("/nonexistent/plan.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/plan.json"),
            std::string::npos);
}

/// smallPlan() whose step carries a generic scan's description: a cumsum
/// h = 1 * h + x over (b, c), y = 0.5 * h.
Plan scanPlan() {
  Plan p = smallPlan();
  ScanDesc d;
  d.stateRank = 2;
  d.inputDims = {{0, 1, 2}};
  d.outputDims = {0, 1, 2};
  d.hasInit = true;
  d.nodes = {{"arg", 0, 0, -1, -1},
             {"arg", 1, 0, -1, -1},
             {"constant", 0, 1, -1, -1},
             {"constant", 0, 0.5, -1, -1},
             {"mul", 0, 0, 0, 3}};
  d.decay = 2;
  d.input = 1;
  d.readout = 4;
  p.functions[0].steps[0].cudaScan = d;
  return p;
}

TEST(PlanJson, CudaScanRoundTrips) {
  const std::string text = writePlan(scanPlan());
  EXPECT_NE(text.find("\"cuda_scan\": {\"state_rank\": 2"), std::string::npos)
      << text;
  auto back = readPlan(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(writePlan(*back), text);
  const Step &s = back->functions[0].steps[0];
  ASSERT_TRUE(s.cudaScan.has_value());
  EXPECT_EQ(s.cudaScan->nodes.size(), 5u);
  EXPECT_DOUBLE_EQ(s.cudaScan->nodes[3].value, 0.5);
  EXPECT_EQ(s.cudaScan->readout, 4);
  // Optional: a plan without it reads as before.
  auto plain = readPlan(writePlan(smallPlan()));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->functions[0].steps[0].cudaScan.has_value());
}

TEST(PlanJson, MalformedCudaScanNamesThePath) {
  const std::string path = "functions.prefill.steps[0].cuda_scan";
  struct Case {
    const char *from, *to, *message;
  } cases[] = {
      {"\"state_rank\": 2", "\"state_rank\": 0",
       ".state_rank: expected an integer in [1, 8], got 0"},
      {"\"input_dims\": [[0, 1, 2]]", "\"input_dims\": [[0, 1, 3]]",
       ".input_dims[0][2]: expected an integer in [0, 2], got 3"},
      {"\"input_dims\": [[0, 1, 2]]", "\"input_dims\": [[0, 0, 2]]",
       ".input_dims[0][1]: iteration dimension 0 appears twice"},
      {"\"output_dims\": [0, 1, 2]", "\"output_dims\": [0, 1]",
       ".output_dims: y must keep the time dimension 2"},
      {"\"has_init\": true", "\"has_init\": 1",
       ".has_init: expected true or false"},
      {"{\"op\": \"arg\", \"arg\": 1}", "{\"op\": \"arg\", \"arg\": 2}",
       ".nodes[1].arg: expected an integer in [0, 1], got 2"},
      {"{\"op\": \"mul\", \"lhs\": 0, \"rhs\": 3}",
       "{\"op\": \"pow\", \"lhs\": 0, \"rhs\": 3}",
       ".nodes[4].op: unknown operation \"pow\""},
      {"{\"op\": \"mul\", \"lhs\": 0, \"rhs\": 3}",
       "{\"op\": \"mul\", \"lhs\": 0, \"rhs\": 4}",
       ".nodes[4].rhs: expected an integer in [0, 3], got 4"},
      {"{\"op\": \"constant\", \"value\": 0.5}", "{\"op\": \"constant\"}",
       ".nodes[3].value: expected a finite number"},
      {"{\"op\": \"constant\", \"value\": 0.5}",
       "{\"op\": \"constant\", \"value\": Infinity}",
       ".nodes[3].value: expected a finite number"},
      {"\"readout\": 4", "\"readout\": 5",
       ".readout: expected an integer in [0, 4], got 5"},
      {"\"decay\": 2, ", "", ".decay: missing"},
      {"\"cuda_scan\": {", "\"cuda_scan\": 7, \"unused\": {",
       ": expected an object, got number"},
  };
  for (const Case &c : cases) {
    std::string text = writePlan(scanPlan());
    const size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from << "\n" << text;
    text.replace(at, std::string(c.from).size(), c.to);
    auto p = readPlan(text);
    ASSERT_FALSE(p.ok()) << c.from;
    EXPECT_NE(p.status().message().find(path + c.message), std::string::npos)
        << "got: " << p.status().message();
  }
}

} // namespace
} // namespace mamba::plan
