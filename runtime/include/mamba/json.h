// A strict JSON reader (RFC 8259) for config.json, tokenizer.json and the
// safetensors header: objects keep key order, errors carry line:column. One
// extension: NaN, Infinity and -Infinity, which Python's json module writes
// into Hugging Face configs, read as non-finite numbers; readers of a value
// that must be finite check it.
#ifndef MAMBA_JSON_H
#define MAMBA_JSON_H

#include "mamba/status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mamba {

class JsonValue;
using JsonArray = std::vector<JsonValue>;
/// Members in the order they appear in the text; keys are unique.
using JsonObject = std::vector<std::pair<std::string, JsonValue>>;

/// One parsed JSON value. The as* accessors require the matching is* check
/// (they assert, and return a default value in release builds).
class JsonValue {
public:
  enum class Type { Null, Bool, Number, String, Array, Object };

  JsonValue() = default;
  static JsonValue makeBool(bool b);
  static JsonValue makeNumber(double d);
  static JsonValue makeInteger(int64_t i);
  static JsonValue makeString(std::string s);
  static JsonValue makeArray(JsonArray items);
  static JsonValue makeObject(JsonObject members);

  Type type() const { return type_; }
  /// "null", "boolean", "number", "string", "array" or "object".
  const char *typeName() const;

  bool isNull() const { return type_ == Type::Null; }
  bool isBool() const { return type_ == Type::Bool; }
  bool isNumber() const { return type_ == Type::Number; }
  /// A number other than NaN, Infinity and -Infinity.
  bool isFiniteNumber() const;
  /// A number whose value is integral and fits int64 exactly (asInt is valid).
  bool isInteger() const { return type_ == Type::Number && integral_; }
  bool isString() const { return type_ == Type::String; }
  bool isArray() const { return type_ == Type::Array; }
  bool isObject() const { return type_ == Type::Object; }

  bool asBool() const;
  double asNumber() const;
  int64_t asInt() const;
  const std::string &asString() const;
  const JsonArray &asArray() const;
  const JsonObject &asObject() const;

  /// The member named `key` of an object, or nullptr (also for non-objects).
  const JsonValue *find(std::string_view key) const;

private:
  Type type_ = Type::Null;
  bool bool_ = false;
  bool integral_ = false;
  double number_ = 0.0;
  int64_t int_ = 0;
  std::string string_;
  JsonArray array_;
  JsonObject object_;
};

/// Parses exactly one JSON value (surrounding whitespace allowed). Errors read
/// "LINE:COL: expected X, found Y" with 1-based line and column (column counts
/// UTF-8 code points); callers prefix the file name. NaN, Infinity and
/// -Infinity are numbers (see above). Duplicate keys, comments,
/// trailing commas, lone surrogates, invalid UTF-8 and nesting deeper than 512
/// are errors.
Expected<JsonValue> parseJson(std::string_view text);

} // namespace mamba

#endif // MAMBA_JSON_H
