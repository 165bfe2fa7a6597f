// Strict recursive-descent JSON parser; see json.h for the accepted language.
#include "mamba/json.h"

#include <cassert>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_set>

namespace mamba {

JsonValue JsonValue::makeBool(bool b) {
  JsonValue v;
  v.type_ = Type::Bool;
  v.bool_ = b;
  return v;
}

JsonValue JsonValue::makeNumber(double d) {
  JsonValue v;
  v.type_ = Type::Number;
  v.number_ = d;
  // 2^63 is exactly representable; anything in [-2^63, 2^63) that is
  // integral converts to int64 without loss.
  if (std::isfinite(d) && std::trunc(d) == d && d >= -9223372036854775808.0 &&
      d < 9223372036854775808.0) {
    v.integral_ = true;
    v.int_ = static_cast<int64_t>(d);
  }
  return v;
}

JsonValue JsonValue::makeInteger(int64_t i) {
  JsonValue v;
  v.type_ = Type::Number;
  v.number_ = static_cast<double>(i);
  v.integral_ = true;
  v.int_ = i;
  return v;
}

JsonValue JsonValue::makeString(std::string s) {
  JsonValue v;
  v.type_ = Type::String;
  v.string_ = std::move(s);
  return v;
}

JsonValue JsonValue::makeArray(JsonArray items) {
  JsonValue v;
  v.type_ = Type::Array;
  v.array_ = std::move(items);
  return v;
}

JsonValue JsonValue::makeObject(JsonObject members) {
  JsonValue v;
  v.type_ = Type::Object;
  v.object_ = std::move(members);
  return v;
}

const char *JsonValue::typeName() const {
  switch (type_) {
  case Type::Null:
    return "null";
  case Type::Bool:
    return "boolean";
  case Type::Number:
    return "number";
  case Type::String:
    return "string";
  case Type::Array:
    return "array";
  case Type::Object:
    return "object";
  }
  return "unknown";
}

bool JsonValue::asBool() const {
  assert(isBool());
  return bool_;
}

bool JsonValue::isFiniteNumber() const {
  return isNumber() && std::isfinite(number_);
}

double JsonValue::asNumber() const {
  assert(isNumber());
  return number_;
}

int64_t JsonValue::asInt() const {
  assert(isInteger());
  return int_;
}

const std::string &JsonValue::asString() const {
  assert(isString());
  return string_;
}

const JsonArray &JsonValue::asArray() const {
  assert(isArray());
  return array_;
}

const JsonObject &JsonValue::asObject() const {
  assert(isObject());
  return object_;
}

const JsonValue *JsonValue::find(std::string_view key) const {
  if (!isObject())
    return nullptr;
  for (const auto &member : object_)
    if (member.first == key)
      return &member.second;
  return nullptr;
}

namespace {

constexpr int kMaxDepth = 512;

class Parser {
public:
  explicit Parser(std::string_view text) : text_(text) {}

  Expected<JsonValue> parseDocument() {
    skipWhitespace();
    JsonValue v;
    if (!parseValue(v, 0))
      return Status::error(error_);
    skipWhitespace();
    if (pos_ != text_.size()) {
      fail("expected end of input");
      return Status::error(error_);
    }
    return v;
  }

private:
  std::string_view text_;
  size_t pos_ = 0;
  std::string error_;

  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return atEnd() ? '\0' : text_[pos_]; }

  /// Describes what is at the current position, for "found ..." messages.
  std::string describeHere() const {
    if (atEnd())
      return "end of input";
    unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c < 0x20 || c >= 0x7f) {
      static const char *hex = "0123456789abcdef";
      return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
    }
    return std::string("'") + static_cast<char>(c) + "'";
  }

  /// Records an error at `at` (default: the current position). Returns false
  /// so callers can write `return fail(...)`.
  bool fail(const std::string &what, size_t at = std::string_view::npos) {
    if (at == std::string_view::npos)
      at = pos_;
    size_t line = 1, column = 1;
    for (size_t i = 0; i < at && i < text_.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(text_[i]);
      if (c == '\n') {
        ++line;
        column = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++column;
      }
    }
    size_t savedPos = pos_;
    pos_ = at;
    std::string found = describeHere();
    pos_ = savedPos;
    error_ = std::to_string(line) + ":" + std::to_string(column) + ": " + what +
             ", found " + found;
    return false;
  }

  void skipWhitespace() {
    while (!atEnd()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      ++pos_;
    }
  }

  bool consumeLiteral(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word)
      return false;
    pos_ += word.size();
    // "nullx" or "true1" would otherwise parse as a literal and fail later
    // with a confusing message about a missing comma.
    if (!atEnd() && std::isalnum(static_cast<unsigned char>(peek()))) {
      pos_ -= word.size();
      return false;
    }
    return true;
  }

  bool parseValue(JsonValue &out, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting deeper than " + std::to_string(kMaxDepth) +
                  " levels");
    char c = peek();
    switch (c) {
    case '{':
      return parseObject(out, depth);
    case '[':
      return parseArray(out, depth);
    case '"': {
      std::string s;
      if (!parseString(s))
        return false;
      out = JsonValue::makeString(std::move(s));
      return true;
    }
    case 't':
      if (consumeLiteral("true")) {
        out = JsonValue::makeBool(true);
        return true;
      }
      break;
    case 'f':
      if (consumeLiteral("false")) {
        out = JsonValue::makeBool(false);
        return true;
      }
      break;
    case 'n':
      if (consumeLiteral("null")) {
        out = JsonValue();
        return true;
      }
      break;
    case 'N':
    case 'I':
      if (parseNonFinite(out))
        return true;
      break;
    default:
      if (c == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] == 'I')
        return parseNonFinite(out) ||
               fail("expected a digit or Infinity after '-'");
      if (c == '-' || (c >= '0' && c <= '9'))
        return parseNumber(out);
      break;
    }
    return fail("expected a value (object, array, string, number, true, "
                "false or null)");
  }

  bool parseObject(JsonValue &out, int depth) {
    ++pos_; // '{'
    JsonObject members;
    std::unordered_set<std::string> seen;
    skipWhitespace();
    if (peek() == '}') {
      ++pos_;
      out = JsonValue::makeObject(std::move(members));
      return true;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"')
        return fail("expected a string key in object");
      size_t keyPos = pos_;
      std::string key;
      if (!parseString(key))
        return false;
      if (!seen.insert(key).second)
        return fail("duplicate key \"" + key + "\" in object", keyPos);
      skipWhitespace();
      if (peek() != ':')
        return fail("expected ':' after object key");
      ++pos_;
      skipWhitespace();
      JsonValue value;
      if (!parseValue(value, depth + 1))
        return false;
      members.emplace_back(std::move(key), std::move(value));
      skipWhitespace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        out = JsonValue::makeObject(std::move(members));
        return true;
      }
      return fail("expected ',' or '}' in object");
    }
  }

  bool parseArray(JsonValue &out, int depth) {
    ++pos_; // '['
    JsonArray items;
    skipWhitespace();
    if (peek() == ']') {
      ++pos_;
      out = JsonValue::makeArray(std::move(items));
      return true;
    }
    while (true) {
      skipWhitespace();
      JsonValue value;
      if (!parseValue(value, depth + 1))
        return false;
      items.push_back(std::move(value));
      skipWhitespace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        out = JsonValue::makeArray(std::move(items));
        return true;
      }
      return fail("expected ',' or ']' in array");
    }
  }

  static void appendUtf8(std::string &s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool parseHex4(uint32_t &out) {
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = peek();
      uint32_t digit;
      if (c >= '0' && c <= '9')
        digit = c - '0';
      else if (c >= 'a' && c <= 'f')
        digit = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        digit = c - 'A' + 10;
      else
        return fail("expected 4 hex digits after \\u");
      out = out * 16 + digit;
      ++pos_;
    }
    return true;
  }

  /// Copies one UTF-8 encoded code point, rejecting overlong forms,
  /// surrogates and truncated sequences: strings must be valid UTF-8.
  bool copyUtf8(std::string &s) {
    size_t start = pos_;
    unsigned char c = static_cast<unsigned char>(text_[pos_]);
    int len;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return fail("expected valid UTF-8 in string");
    }
    for (int i = 1; i < len; ++i) {
      if (start + i >= text_.size() ||
          (static_cast<unsigned char>(text_[start + i]) & 0xC0) != 0x80)
        return fail("expected valid UTF-8 in string", start);
      cp = (cp << 6) | (static_cast<unsigned char>(text_[start + i]) & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return fail("expected valid UTF-8 in string", start);
    s.append(text_.substr(start, len));
    pos_ = start + len;
    return true;
  }

  bool parseString(std::string &out) {
    ++pos_; // opening quote
    while (true) {
      if (atEnd())
        return fail("expected closing '\"' of string");
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20)
        return fail("expected an escaped control character in string");
      if (c >= 0x80) {
        if (!copyUtf8(out))
          return false;
        continue;
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      size_t escapePos = pos_;
      ++pos_;
      char e = peek();
      ++pos_;
      switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!parseHex4(cp))
          return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return fail("expected a high surrogate before low surrogate \\u" +
                          std::string(text_.substr(escapePos + 2, 4)),
                      escapePos);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (text_.substr(pos_, 2) != "\\u")
            return fail("expected a low surrogate \\uDC00-\\uDFFF after high "
                        "surrogate");
          pos_ += 2;
          uint32_t low;
          if (!parseHex4(low))
            return false;
          if (low < 0xDC00 || low > 0xDFFF)
            return fail("expected a low surrogate \\uDC00-\\uDFFF after high "
                        "surrogate",
                        pos_ - 6);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        return fail("expected a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r "
                    "\\t \\uXXXX)",
                    escapePos + 1);
      }
    }
  }

  /// Position of the leading significant digit relative to the decimal
  /// point plus the exponent: > 0 means |x| >= 1. Only called for literals
  /// already validated by parseNumber.
  static long decimalMagnitude(const char *p, const char *last) {
    if (*p == '-')
      ++p;
    long magnitude = 0;
    bool seenNonZero = false, afterPoint = false;
    for (; p != last && *p != 'e' && *p != 'E'; ++p) {
      if (*p == '.') {
        afterPoint = true;
      } else if (!seenNonZero && *p == '0') {
        if (afterPoint)
          --magnitude;
      } else {
        seenNonZero = true;
        if (!afterPoint)
          ++magnitude;
      }
    }
    if (!seenNonZero)
      return 0;
    if (p != last) {
      ++p;
      bool negative = *p == '-';
      if (*p == '+' || *p == '-')
        ++p;
      long exponent = 0;
      for (; p != last && exponent < 100000; ++p)
        exponent = exponent * 10 + (*p - '0');
      magnitude += negative ? -exponent : exponent;
    }
    return magnitude;
  }

  /// NaN, Infinity and -Infinity: not JSON, but what Python's json module
  /// (and so Hugging Face) writes for non-finite floats, e.g. Mamba-2's
  /// "time_step_limit": [0.0, Infinity].
  bool parseNonFinite(JsonValue &out) {
    const bool negative = peek() == '-';
    const size_t start = pos_;
    if (negative)
      ++pos_;
    if (consumeLiteral("Infinity")) {
      out = JsonValue::makeNumber(negative ? -HUGE_VAL : HUGE_VAL);
      return true;
    }
    if (!negative && consumeLiteral("NaN")) {
      out = JsonValue::makeNumber(std::nan(""));
      return true;
    }
    pos_ = start;
    return false;
  }

  bool parseNumber(JsonValue &out) {
    size_t start = pos_;
    bool isIntegerLiteral = true;
    if (peek() == '-')
      ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (std::isdigit(static_cast<unsigned char>(peek())))
        return fail("expected no leading zeros in number");
    } else if (std::isdigit(static_cast<unsigned char>(peek()))) {
      while (std::isdigit(static_cast<unsigned char>(peek())))
        ++pos_;
    } else {
      return fail("expected a digit in number");
    }
    if (peek() == '.') {
      isIntegerLiteral = false;
      ++pos_;
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        return fail("expected a digit after decimal point");
      while (std::isdigit(static_cast<unsigned char>(peek())))
        ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      isIntegerLiteral = false;
      ++pos_;
      if (peek() == '+' || peek() == '-')
        ++pos_;
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        return fail("expected a digit in exponent");
      while (std::isdigit(static_cast<unsigned char>(peek())))
        ++pos_;
    }
    const char *first = text_.data() + start;
    const char *last = text_.data() + pos_;
    if (isIntegerLiteral) {
      // Exact for all of int64; larger integers fall through to double.
      int64_t i;
      auto r = std::from_chars(first, last, i);
      if (r.ec == std::errc() && r.ptr == last) {
        out = JsonValue::makeInteger(i);
        return true;
      }
    }
    double d;
    auto r = std::from_chars(first, last, d);
    if (r.ptr != last)
      return fail("expected a number", start);
    if (r.ec == std::errc::result_out_of_range) {
      // from_chars leaves `d` untouched on overflow and underflow; tell them
      // apart by the decimal magnitude. Underflow rounds to zero like strtod.
      if (decimalMagnitude(first, last) > 0)
        return fail("expected a number within double range", start);
      d = *first == '-' ? -0.0 : 0.0;
    }
    out = JsonValue::makeNumber(d);
    return true;
  }
};

} // namespace

Expected<JsonValue> parseJson(std::string_view text) {
  return Parser(text).parseDocument();
}

} // namespace mamba
