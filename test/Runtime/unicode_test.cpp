// Unit tests of the tokenizer's Unicode support: UTF-8 decoding of ill-formed
// input, the GPT-2 character classes and NFC.
#include "../../runtime/src/unicode/char_class.h"
#include "../../runtime/src/unicode/nfc.h"
#include "../../runtime/src/unicode/utf8.h"

#include <gtest/gtest.h>

namespace {

using namespace mamba::unicode;

TEST(Utf8, DecodesWellFormedCharacters) {
  std::string text = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
  EXPECT_EQ(decodeUtf8(text, 0).cp, 'a');
  EXPECT_EQ(decodeUtf8(text, 1).cp, 0xE9u);
  EXPECT_EQ(decodeUtf8(text, 3).cp, 0x20ACu);
  DecodedChar emoji = decodeUtf8(text, 6);
  EXPECT_EQ(emoji.cp, 0x1F600u);
  EXPECT_EQ(emoji.length, 4u);
}

TEST(Utf8, IllFormedInputCountsMaximalSubparts) {
  // Overlong, surrogate, truncated and stray continuation bytes.
  EXPECT_EQ(toValidUtf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(toValidUtf8("\xed\xa0\x80"),
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(toValidUtf8("\xe2\x82x"), "\xef\xbf\xbdx");
  EXPECT_EQ(toValidUtf8("\xf0\x9f\x98"), "\xef\xbf\xbd");
  EXPECT_EQ(toValidUtf8("\x80"), "\xef\xbf\xbd");
  size_t held = 0;
  EXPECT_TRUE(endsWithIncompleteUtf8("ab\xf0\x9f", held));
  EXPECT_EQ(held, 2u);
  EXPECT_FALSE(endsWithIncompleteUtf8("ab\xe2\x28", held));
  EXPECT_FALSE(endsWithIncompleteUtf8("\xe2\x82\xac", held));
}

TEST(CharClass, FollowsUnicodeCategories) {
  EXPECT_EQ(classify('x'), CharClass::Letter);
  EXPECT_EQ(classify(0x4E2D), CharClass::Letter); // CJK ideograph
  EXPECT_EQ(classify(0xA7CB), CharClass::Letter); // new in Unicode 16
  EXPECT_EQ(classify('7'), CharClass::Number);
  EXPECT_EQ(classify(0x0663), CharClass::Number); // Arabic-Indic three
  EXPECT_EQ(classify(0x2167), CharClass::Number); // Roman numeral (Nl)
  EXPECT_EQ(classify(0x00BD), CharClass::Number); // one half (No)
  EXPECT_EQ(classify('\t'), CharClass::Space);
  EXPECT_EQ(classify(0x3000), CharClass::Space);
  EXPECT_EQ(classify(0x0085), CharClass::Space);
  EXPECT_EQ(classify(0x200B), CharClass::Other);  // zero width space: Cf
  EXPECT_EQ(classify(0x1C), CharClass::Other);    // not White_Space
  EXPECT_EQ(classify(0x0301), CharClass::Other);  // combining mark
  EXPECT_EQ(classify(0x1F600), CharClass::Other); // emoji
  EXPECT_EQ(classify(kInvalidCodePoint), CharClass::Other);
}

TEST(Nfc, ComposesDecomposesAndReorders) {
  EXPECT_EQ(toNfc("e\xcc\x81"), "\xc3\xa9");               // e + acute
  EXPECT_EQ(toNfc("\xe2\x84\xab"), "\xc3\x85");            // angstrom sign
  EXPECT_EQ(toNfc("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"), // jamo
            "\xea\xb0\x81");
  // d + dot above + dot below: reordered, then d-with-dot-below composes.
  EXPECT_EQ(toNfc("d\xcc\x87\xcc\xa3"), "\xe1\xb8\x8d\xcc\x87");
  // A composition exclusion stays decomposed.
  EXPECT_EQ(toNfc("\xe0\xa5\x98"), "\xe0\xa4\x95\xe0\xa4\xbc");
  EXPECT_EQ(toNfc("plain ascii"), "plain ascii");
}

TEST(Nfc, IllFormedBytesPassThroughAndBlock) {
  EXPECT_EQ(toNfc("e\xff\xcc\x81"), "e\xff\xcc\x81");
}

} // namespace
