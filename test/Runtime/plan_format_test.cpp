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

} // namespace
} // namespace mamba::plan
