// Unit tests of the strict JSON parser: values, escapes, and malformed input.
#include "mamba/json.h"

#include <cmath>

#include <gtest/gtest.h>

using mamba::JsonValue;
using mamba::parseJson;

namespace {

/// Parses text that must be invalid and returns the error message.
std::string errorOf(std::string_view text) {
  auto r = parseJson(text);
  EXPECT_FALSE(r.ok()) << "accepted: " << text;
  return r.ok() ? std::string() : r.status().message();
}

TEST(Json, Scalars) {
  auto r = parseJson(" null ");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->isNull());
  EXPECT_TRUE(parseJson("true")->asBool());
  EXPECT_FALSE(parseJson("false")->asBool());
  EXPECT_EQ(parseJson("\"hi\"")->asString(), "hi");
}

TEST(Json, Numbers) {
  auto i = parseJson("-9223372036854775808");
  ASSERT_TRUE(i.ok());
  EXPECT_TRUE(i->isInteger());
  EXPECT_EQ(i->asInt(), INT64_MIN);
  EXPECT_EQ(parseJson("9007199254740993")->asInt(), 9007199254740993LL);
  EXPECT_DOUBLE_EQ(parseJson("1.5e-5")->asNumber(), 1.5e-5);
  EXPECT_FALSE(parseJson("1.5")->isInteger());
  // Integral values written with a fraction or exponent still read as ints.
  EXPECT_TRUE(parseJson("2.0")->isInteger());
  EXPECT_EQ(parseJson("1E3")->asInt(), 1000);
  // Beyond int64: a number, but not an integer.
  auto big = parseJson("18446744073709551616");
  ASSERT_TRUE(big.ok());
  EXPECT_FALSE(big->isInteger());
  EXPECT_DOUBLE_EQ(big->asNumber(), 18446744073709551616.0);
  EXPECT_EQ(parseJson("1e-400")->asNumber(), 0.0);
  EXPECT_EQ(parseJson("-0")->asInt(), 0);
}

TEST(Json, NonFiniteNumbersAsPythonWritesThem) {
  auto limit = parseJson("[0.0, Infinity, -Infinity, NaN]");
  ASSERT_TRUE(limit.ok()) << limit.status().message();
  const mamba::JsonArray &a = limit->asArray();
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a[1].asNumber(), HUGE_VAL);
  EXPECT_EQ(a[2].asNumber(), -HUGE_VAL);
  EXPECT_TRUE(std::isnan(a[3].asNumber()));
  EXPECT_TRUE(a[0].isFiniteNumber());
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_TRUE(a[i].isNumber());
    EXPECT_FALSE(a[i].isFiniteNumber());
    EXPECT_FALSE(a[i].isInteger()); // asInt has no value for them
  }
}

TEST(Json, ObjectKeepsOrderAndFinds) {
  auto r = parseJson(R"({"z": 1, "a": [1, 2, {"b": null}], "m": {}})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto &members = r->asObject();
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].first, "z");
  EXPECT_EQ(members[1].first, "a");
  EXPECT_EQ(members[2].first, "m");
  ASSERT_NE(r->find("a"), nullptr);
  EXPECT_EQ(r->find("a")->asArray().size(), 3u);
  EXPECT_TRUE(r->find("a")->asArray()[2].find("b")->isNull());
  EXPECT_EQ(r->find("missing"), nullptr);
  EXPECT_EQ(r->find("z")->find("x"), nullptr);
}

TEST(Json, StringEscapes) {
  auto r = parseJson(R"("a\"b\\c\/d\b\f\n\r\t")");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->asString(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(parseJson(R"("\u0041\u00e9\u20AC")")->asString(),
            "A\xC3\xA9\xE2\x82\xAC");
  // U+1F600 as a surrogate pair becomes 4-byte UTF-8.
  EXPECT_EQ(parseJson(R"("\uD83D\uDE00")")->asString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseJson(R"("\u0000")")->asString(), std::string(1, '\0'));
  // Raw UTF-8 passes through.
  EXPECT_EQ(parseJson("\"\xC4\xA0x\"")->asString(), "\xC4\xA0x");
}

TEST(Json, ErrorsCarryLineAndColumn) {
  std::string e = errorOf("{\n  \"a\": 1,\n  \"b\" 2\n}");
  EXPECT_NE(e.find("3:7:"), std::string::npos) << e;
  EXPECT_NE(e.find("expected ':'"), std::string::npos) << e;
  EXPECT_NE(e.find("found '2'"), std::string::npos) << e;
}

TEST(Json, MalformedInputs) {
  EXPECT_NE(errorOf("").find("1:1: expected a value"), std::string::npos);
  EXPECT_NE(errorOf("[1, 2,]").find("expected a value"), std::string::npos);
  EXPECT_NE(errorOf("{\"a\": 1,}").find("expected a string key"),
            std::string::npos);
  EXPECT_NE(errorOf("[1 2]").find("expected ',' or ']'"), std::string::npos);
  EXPECT_NE(errorOf("{\"a\" 1}").find("expected ':'"), std::string::npos);
  EXPECT_NE(errorOf("{\"a\": 1").find("found end of input"), std::string::npos);
  EXPECT_NE(errorOf("01").find("leading zeros"), std::string::npos);
  EXPECT_NE(errorOf("1.").find("digit after decimal point"), std::string::npos);
  EXPECT_NE(errorOf("1e").find("digit in exponent"), std::string::npos);
  EXPECT_NE(errorOf("-").find("digit in number"), std::string::npos);
  EXPECT_NE(errorOf("+1").find("expected a value"), std::string::npos);
  EXPECT_NE(errorOf("1e400").find("within double range"), std::string::npos);
  EXPECT_NE(errorOf("Nan").find("expected a value"), std::string::npos);
  EXPECT_NE(errorOf("Infinit").find("expected a value"), std::string::npos);
  EXPECT_NE(errorOf("-Inf").find("expected a digit or Infinity after '-'"),
            std::string::npos);
  EXPECT_NE(errorOf("-NaN").find("expected a digit in number"),
            std::string::npos);
  EXPECT_NE(errorOf("NaNa").find("expected a value"), std::string::npos);
  EXPECT_NE(errorOf("tru").find("expected a value"), std::string::npos);
  EXPECT_NE(errorOf("nullx").find("expected a value"), std::string::npos);
  EXPECT_NE(errorOf("1 2").find("expected end of input"), std::string::npos);
  EXPECT_NE(errorOf("// c\n1").find("expected a value"), std::string::npos);
  EXPECT_NE(errorOf("\"abc").find("closing '\"'"), std::string::npos);
  EXPECT_NE(errorOf("\"a\tb\"").find("control character"), std::string::npos);
  EXPECT_NE(errorOf(R"("\x")").find("valid escape"), std::string::npos);
  EXPECT_NE(errorOf(R"("\u12G4")").find("4 hex digits"), std::string::npos);
  EXPECT_NE(errorOf(R"("\uD83D")").find("low surrogate"), std::string::npos);
  EXPECT_NE(errorOf(R"("\uD83D\u0041")").find("low surrogate"),
            std::string::npos);
  EXPECT_NE(errorOf(R"("\uDE00")").find("high surrogate"), std::string::npos);
  EXPECT_NE(errorOf("\"\xC0\xAF\"").find("valid UTF-8"), std::string::npos);
  EXPECT_NE(errorOf("\"\xE2\x82\"").find("valid UTF-8"), std::string::npos);
  EXPECT_NE(errorOf("\"\xED\xA0\x80\"").find("valid UTF-8"), std::string::npos);
  EXPECT_NE(errorOf(R"({"a": 1, "a": 2})").find("duplicate key \"a\""),
            std::string::npos);
}

TEST(Json, DeepNestingIsAnErrorNotACrash) {
  std::string deep(100000, '[');
  EXPECT_NE(errorOf(deep).find("nesting deeper than"), std::string::npos);
  std::string ok(500, '[');
  ok += std::string(500, ']');
  EXPECT_TRUE(parseJson(ok).ok());
}

} // namespace
