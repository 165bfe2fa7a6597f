// Checks the BPE tokenizer token for token against ids that the Hugging Face
// tokenizers library produced for the real GPT-NeoX-20B tokenizer.json.
#include "mamba/bpe_tokenizer.h"
#include "mamba/byte_tokenizer.h"
#include "mamba/token_stream.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

const std::string kDir = MAMBA_SOURCE_DIR "/test/golden/tokenizer/";

struct GoldenCase {
  int line;
  std::string text;
  std::vector<mamba::TokenId> ids;
  std::string decoded;
};

std::string fromHex(const std::string &hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

/// Whether `text` is well-formed UTF-8: the byte tokenizer's decode replaces
/// anything ill-formed with U+FFFD.
bool isValidUtf8(const std::string &text) {
  auto bytes = mamba::ByteTokenizer::create(256);
  std::vector<mamba::TokenId> ids = (*bytes)->encode(text);
  return (*bytes)->decode(ids) == text;
}

std::vector<GoldenCase> readGolden(const std::string &path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<GoldenCase> cases;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields(line);
    std::string text, ids, decoded;
    std::getline(fields, text, '\t');
    std::getline(fields, ids, '\t');
    std::getline(fields, decoded, '\t');
    GoldenCase c{number, fromHex(text), {}, fromHex(decoded)};
    std::istringstream idStream(ids);
    for (mamba::TokenId id; idStream >> id;)
      c.ids.push_back(id);
    cases.push_back(std::move(c));
  }
  return cases;
}

class NeoxGolden : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    auto loaded = mamba::BpeTokenizer::fromFile(
        MAMBA_SOURCE_DIR "/models/tokenizers/gpt-neox-20b.tokenizer.json");
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    tokenizer = std::move(*loaded).release();
    cases = readGolden(kDir + "gpt-neox-20b.golden.tsv");
  }
  static void TearDownTestSuite() { delete tokenizer; }

  static const mamba::BpeTokenizer *tokenizer;
  static std::vector<GoldenCase> cases;
};
const mamba::BpeTokenizer *NeoxGolden::tokenizer = nullptr;
std::vector<GoldenCase> NeoxGolden::cases;

TEST_F(NeoxGolden, VocabularyAndControlTokens) {
  EXPECT_EQ(tokenizer->vocabSize(), 50277u);
  EXPECT_EQ(tokenizer->bosId(), 0);
  EXPECT_EQ(tokenizer->eosId(), 0);
  EXPECT_TRUE(tokenizer->isSpecial(0));
  EXPECT_TRUE(tokenizer->isSpecial(1));
  EXPECT_FALSE(tokenizer->isSpecial(50276)); // the "  " added token
  EXPECT_EQ(tokenizer->tokenToId("Ġthe"), 253);
  EXPECT_EQ(tokenizer->tokenBytes(253), " the");
}

TEST_F(NeoxGolden, EncodeMatchesReference) {
  ASSERT_GT(cases.size(), 300u);
  int failures = 0;
  for (const GoldenCase &c : cases) {
    std::vector<mamba::TokenId> ids = tokenizer->encode(c.text);
    EXPECT_EQ(ids, c.ids) << "golden line " << c.line << ", text \"" << c.text
                          << "\"";
    if (ids != c.ids && ++failures == 10)
      FAIL() << "stopping after 10 mismatches";
  }
}

TEST_F(NeoxGolden, DecodeMatchesReference) {
  for (const GoldenCase &c : cases) {
    EXPECT_EQ(tokenizer->decode(c.ids), c.decoded) << "golden line " << c.line;
    // NFC-stable texts round-trip exactly.
    if (c.decoded == c.text) {
      EXPECT_EQ(tokenizer->decode(tokenizer->encode(c.text)), c.text)
          << "golden line " << c.line;
    }
  }
}

TEST_F(NeoxGolden, StreamingDecodeEqualsOneShot) {
  for (const GoldenCase &c : cases) {
    mamba::TokenStreamDecoder stream(*tokenizer);
    std::string text;
    for (mamba::TokenId id : c.ids) {
      std::string piece = stream.push(id);
      EXPECT_TRUE(isValidUtf8(piece)) << "golden line " << c.line;
      text += piece;
    }
    text += stream.flush();
    EXPECT_EQ(text, c.decoded) << "golden line " << c.line;
  }
}

TEST_F(NeoxGolden, SkipSpecialDropsEndOfText) {
  std::vector<mamba::TokenId> ids = tokenizer->encode("a<|endoftext|>b");
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[1], 0);
  EXPECT_EQ(tokenizer->decode(ids, /*skipSpecial=*/true), "ab");
}

TEST_F(NeoxGolden, IllFormedUtf8RoundTripsAsBytes) {
  std::string bytes = "ok \xe2\x82 \x80\xed\xa0\x80 end\xe2";
  std::string joined;
  for (mamba::TokenId id : tokenizer->encode(bytes))
    joined.append(tokenizer->tokenBytes(id));
  EXPECT_EQ(joined, bytes);
  // One U+FFFD per maximal ill-formed subpart.
  EXPECT_EQ(tokenizer->decode(tokenizer->encode(bytes)),
            "ok \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
            "\xef\xbf\xbd end\xef\xbf\xbd");
}

TEST_F(NeoxGolden, BytesWithoutTokenAreDropped) {
  EXPECT_EQ(tokenizer->encode("a\xff\xc0"), tokenizer->encode("a"));
}

} // namespace
