// Unit tests of the tokenizers on small hand-made inputs: the byte tokenizer,
// streaming decode, BPE merge order, added-token options and load errors.
// Expected ids were checked against the Hugging Face tokenizers library.
#include "mamba/bpe_tokenizer.h"
#include "mamba/byte_tokenizer.h"
#include "mamba/token_stream.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace {

using mamba::TokenId;
using Ids = std::vector<TokenId>;

// --- byte tokenizer ----------------------------------------------------------

TEST(ByteTokenizer, IdsAreBytesAndRoundTrip) {
  auto tok = mamba::ByteTokenizer::create(260, 256, 257);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  std::string text("h\xc3\xa9\0\xff", 5);
  EXPECT_EQ((*tok)->encode(text), (Ids{'h', 0xC3, 0xA9, 0, 0xFF}));
  std::string bytes;
  for (TokenId id : (*tok)->encode(text))
    bytes.append((*tok)->tokenBytes(id));
  EXPECT_EQ(bytes, text);
  EXPECT_EQ((*tok)->bosId(), 256);
  EXPECT_EQ((*tok)->eosId(), 257);
  EXPECT_EQ((*tok)->vocabSize(), 260u);
}

TEST(ByteTokenizer, DecodeReplacesIllFormedUtf8AndSkipsControlTokens) {
  auto tok = mamba::ByteTokenizer::create(258, std::nullopt, 257);
  ASSERT_TRUE(tok.ok());
  EXPECT_EQ((*tok)->decode({'a', 0xFF, 'b', 257}), "a\xef\xbf\xbd"
                                                   "b");
  EXPECT_TRUE((*tok)->isSpecial(257));
  EXPECT_FALSE((*tok)->isSpecial('a'));
  EXPECT_EQ((*tok)->decode({'a', 257, 'b'}, /*skipSpecial=*/true), "ab");
  EXPECT_EQ((*tok)->decode({'a', 9999, -1}), "a");
}

TEST(ByteTokenizer, RejectsBadSizesAndIds) {
  auto small = mamba::ByteTokenizer::create(100);
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.status().message().find("at least 256, got 100"),
            std::string::npos);
  auto byteEos = mamba::ByteTokenizer::create(300, std::nullopt, 10);
  ASSERT_FALSE(byteEos.ok());
  EXPECT_NE(byteEos.status().message().find("eos id 10"), std::string::npos);
}

TEST(Tokenizer, SetBosEosChecksRange) {
  auto tok = mamba::ByteTokenizer::create(300);
  ASSERT_TRUE(tok.ok());
  EXPECT_FALSE((*tok)->bosId().has_value());
  EXPECT_TRUE((*tok)->setBosEos(1, 299).ok());
  EXPECT_EQ((*tok)->eosId(), 299);
  mamba::Status bad = (*tok)->setBosEos(1, 300);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("eos id 300"), std::string::npos);
}

// --- streaming decode --------------------------------------------------------

TEST(TokenStreamDecoder, HoldsIncompleteCharacters) {
  auto tok = mamba::ByteTokenizer::create(256);
  ASSERT_TRUE(tok.ok());
  mamba::TokenStreamDecoder stream(**tok);
  EXPECT_EQ(stream.push('a'), "a");
  EXPECT_EQ(stream.push(0xE2), ""); // euro sign, 3 bytes
  EXPECT_EQ(stream.push(0x82), "");
  EXPECT_EQ(stream.push(0xAC), "\xe2\x82\xac");
  EXPECT_EQ(stream.push(0xF0), ""); // emoji, 4 bytes
  EXPECT_EQ(stream.push(0x9F), "");
  EXPECT_EQ(stream.push(0x98), "");
  EXPECT_EQ(stream.push(0x80), "\xf0\x9f\x98\x80");
  EXPECT_EQ(stream.flush(), "");
}

TEST(TokenStreamDecoder, ReplacesBrokenSequencesLikeOneShotDecode) {
  auto tok = mamba::ByteTokenizer::create(256);
  ASSERT_TRUE(tok.ok());
  Ids ids = {0xE2, 0x82, 'x', 0x80, 0xF0, 0x9F};
  mamba::TokenStreamDecoder stream(**tok);
  std::string text;
  for (TokenId id : ids)
    text += stream.push(id);
  text += stream.flush();
  EXPECT_EQ(text, (*tok)->decode(ids));
  EXPECT_EQ(text, "\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd");
}

// --- a tiny byte-level BPE ---------------------------------------------------

/// GPT-2's bytes_to_unicode(), written out for the test vocabulary.
std::string byteChar(int b) {
  bool printable =
      (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
  int cp = b;
  if (!printable) {
    cp = 256;
    for (int i = 0; i < b; ++i)
      if (!((i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || i >= 0xAE))
        ++cp;
  }
  std::string out;
  if (cp < 0x80) {
    if (cp == '"' || cp == '\\')
      out += '\\';
    out += static_cast<char>(cp);
  } else {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

/// tokenizer.json text: ids 0-255 are the bytes, then bc, ab, abc, " a".
std::string tinyJson(const std::string &merges, const std::string &added = "[]",
                     const std::string &preTokenizer =
                         R"({"type": "ByteLevel", "add_prefix_space": false})",
                     const std::string &model = R"("type": "BPE", )",
                     const std::string &normalizer = "null") {
  std::string vocab;
  for (int b = 0; b < 256; ++b)
    vocab += "\"" + byteChar(b) + "\": " + std::to_string(b) + ", ";
  vocab += R"("bc": 256, "ab": 257, "abc": 258, "Ġa": 259)";
  return R"({"version": "1.0", "added_tokens": )" + added +
         R"(, "normalizer": )" + normalizer + R"(, "pre_tokenizer": )" +
         preTokenizer +
         R"(, "post_processor": null, "decoder": {"type": "ByteLevel"},
            "model": {)" +
         model + R"("vocab": {)" + vocab + R"(}, "merges": )" + merges + "}}";
}

const char *kMerges = R"(["b c", "a b", "a bc", "Ġ a"])";

std::unique_ptr<mamba::BpeTokenizer> load(const std::string &json) {
  auto tok = mamba::BpeTokenizer::fromJson(json, "tiny.json");
  EXPECT_TRUE(tok.ok()) << tok.status().message();
  return tok.ok() ? std::move(*tok) : nullptr;
}

TEST(BpeTokenizer, MergesApplyInRankOrder) {
  auto tok = load(tinyJson(kMerges));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("abc"), (Ids{258}));
  EXPECT_EQ(tok->encode("ab"), (Ids{257}));
  EXPECT_EQ(tok->encode("xabcx"), (Ids{'x', 258, 'x'}));
  EXPECT_EQ(tok->encode(" abc"), (Ids{' ', 258}));
  EXPECT_EQ(tok->encode("a b c"), (Ids{'a', ' ', 'b', ' ', 'c'}));
  // With "a b" ranked first, "abc" can no longer become "a" + "bc".
  auto swapped = load(tinyJson(R"(["a b", "b c", "a bc", "Ġ a"])"));
  ASSERT_TRUE(swapped);
  EXPECT_EQ(swapped->encode("abc"), (Ids{257, 'c'}));
}

TEST(BpeTokenizer, MergesMayBePairs) {
  auto tok = load(tinyJson(R"([["b", "c"], ["a", "b"], ["a", "bc"]])"));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("abc"), (Ids{258}));
  EXPECT_EQ(tok->tokenToId("Ġa"), 259);
  EXPECT_EQ(tok->decode({259, 256}), " abc");
}

std::string addedToken(int id, const std::string &content,
                       const std::string &options) {
  return R"({"id": )" + std::to_string(id) + R"(, "content": ")" + content +
         R"(", )" + options + "}";
}

TEST(BpeTokenizer, AddedTokenOptionsMatchReference) {
  std::string added =
      "[" + addedToken(300, "<s>", R"("special": true, "normalized": false)") +
      ", " + addedToken(301, "[L]", R"("special": true, "lstrip": true)") +
      ", " + addedToken(302, "[R]", R"("special": true, "rstrip": true)") +
      ", " +
      addedToken(303, "word", R"("single_word": true, "normalized": true)") +
      "]";
  auto tok = load(tinyJson(kMerges, added));
  ASSERT_TRUE(tok);
  // The reference numbers added tokens after the vocabulary, whatever "id"
  // the file gives them.
  EXPECT_EQ(tok->tokenToId("<s>"), 260);
  EXPECT_EQ(tok->vocabSize(), 264u);
  EXPECT_EQ(tok->bosId(), 260);
  EXPECT_EQ(tok->encode("x<s>y"), (Ids{'x', 260, 'y'}));
  EXPECT_EQ(tok->encode("a  [L]b"), (Ids{'a', 261, 'b'}));
  EXPECT_EQ(tok->encode("a[R]  b"), (Ids{'a', 262, 'b'}));
  EXPECT_EQ(tok->encode(" [L] [R] "), (Ids{261, ' ', 262}));
  EXPECT_EQ(tok->encode("a word b"), (Ids{'a', ' ', 263, ' ', 'b'}));
  EXPECT_EQ(tok->encode("x word"), (Ids{'x', ' ', 263}));
  EXPECT_EQ(tok->encode("swordy"), (Ids{'s', 'w', 'o', 'r', 'd', 'y'}));
  EXPECT_EQ(tok->encode("word_x"), (Ids{'w', 'o', 'r', 'd', '_', 'x'}));
  EXPECT_TRUE(tok->isSpecial(260));
  EXPECT_FALSE(tok->isSpecial(263));
}

TEST(BpeTokenizer, AddPrefixSpaceAppliesToEachTextPiece) {
  std::string added =
      "[" + addedToken(0, "<s>", R"("special": true, "normalized": false)") +
      "]";
  auto tok = load(tinyJson(
      kMerges, added, R"({"type": "ByteLevel", "add_prefix_space": true})"));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("abc"), (Ids{' ', 258}));
  EXPECT_EQ(tok->encode(" abc"), (Ids{' ', 258}));
  EXPECT_EQ(tok->encode("<s>abc"), (Ids{260, ' ', 258}));
}

// --- load errors -------------------------------------------------------------

std::string loadError(const std::string &json) {
  auto tok = mamba::BpeTokenizer::fromJson(json, "bad.json");
  EXPECT_FALSE(tok.ok());
  return tok.ok() ? "" : tok.status().message();
}

TEST(BpeTokenizerErrors, BadJsonNamesFileAndPosition) {
  std::string message = loadError("{\n  \"model\": [1, 2,]\n}");
  EXPECT_EQ(message.rfind("bad.json: 2:", 0), 0u) << message;
}

TEST(BpeTokenizerErrors, UnsupportedModelType) {
  std::string message = loadError(tinyJson(
      kMerges, "[]", R"({"type": "ByteLevel"})", R"("type": "WordPiece", )"));
  EXPECT_NE(message.find("bad.json: model.type \"WordPiece\" is not "
                         "supported"),
            std::string::npos)
      << message;
}

TEST(BpeTokenizerErrors, UnknownTokenInMerges) {
  std::string message = loadError(tinyJson(R"(["b c", "x yz"])"));
  EXPECT_NE(message.find("model.merges[1]: token \"yz\" is not in "
                         "model.vocab"),
            std::string::npos)
      << message;
}

TEST(BpeTokenizerErrors, MalformedMerge) {
  std::string message = loadError(tinyJson(R"(["b c", "abc"])"));
  EXPECT_NE(message.find("model.merges[1]: expected \"A B\""),
            std::string::npos)
      << message;
}

TEST(BpeTokenizerErrors, UnsupportedNormalizerAndPreTokenizer) {
  std::string normalizer =
      loadError(tinyJson(kMerges, "[]", R"({"type": "ByteLevel"})",
                         R"("type": "BPE", )", R"({"type": "NFKC"})"));
  EXPECT_NE(normalizer.find("normalizer \"NFKC\" is not supported"),
            std::string::npos)
      << normalizer;
  std::string pre =
      loadError(tinyJson(kMerges, "[]", R"({"type": "Metaspace"})"));
  EXPECT_NE(pre.find("pre_tokenizer \"Metaspace\" is not supported"),
            std::string::npos)
      << pre;
}

TEST(BpeTokenizerErrors, MissingFileNamesPath) {
  auto tok = mamba::BpeTokenizer::fromFile("/nonexistent/tokenizer.json");
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().message().rfind("/nonexistent/tokenizer.json: ", 0),
            0u)
      << tok.status().message();
}

} // namespace
