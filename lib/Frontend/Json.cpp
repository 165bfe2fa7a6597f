//===- Json.cpp - JSON with source locations ------------------------------===//
//
// Reuses the spec lexer, whose tokens cover JSON's. Python's json module
// writes Infinity and NaN, which Hugging Face configs contain, so they are
// accepted as numbers.
//
//===----------------------------------------------------------------------===//

#include "Json.h"

#include "Lexer.h"

#include "mlir/IR/Diagnostics.h"

#include <limits>

using namespace mamba::frontend;

const JsonValue::Member *JsonValue::find(llvm::StringRef key) const {
  for (const Member &m : members)
    if (m.key == key)
      return &m;
  return nullptr;
}

const char *JsonValue::kindName() const {
  switch (kind) {
  case Kind::Null:
    return "null";
  case Kind::Bool:
    return "a boolean";
  case Kind::Int:
    return "an integer";
  case Kind::Float:
    return "a number";
  case Kind::String:
    return "a string";
  case Kind::Array:
    return "an array";
  case Kind::Object:
    return "an object";
  }
  return "a value";
}

namespace {
class JsonParser {
public:
  JsonParser(llvm::StringRef text, llvm::StringRef filename,
             mlir::MLIRContext *ctx)
      : lexer(text), filename(filename.str()), ctx(ctx) {
    tok = lexer.next();
  }

  std::unique_ptr<JsonValue> parseDocument() {
    auto v = std::make_unique<JsonValue>();
    if (!parseValue(*v, 0))
      return nullptr;
    if (tok.kind != Tok::Eof) {
      error("expected the end of the JSON document");
      return nullptr;
    }
    return v;
  }

private:
  Loc loc() const {
    return mlir::FileLineColLoc::get(ctx, filename, tok.line, tok.col);
  }

  bool error(const llvm::Twine &message) {
    if (tok.kind == Tok::Error) {
      mlir::emitError(loc()) << tok.stringValue;
      return false;
    }
    std::string got =
        tok.kind == Tok::Eof ? "end of file" : "'" + tok.text.str() + "'";
    mlir::emitError(loc()) << message << ", got " << got;
    return false;
  }

  bool parseValue(JsonValue &v, unsigned depth) {
    if (depth > 100)
      return error("JSON nested too deeply");
    v.loc = loc();
    bool negative = false;
    if (tok.kind == Tok::Minus) {
      negative = true;
      tok = lexer.next();
    }
    switch (tok.kind) {
    case Tok::Int:
      v.kind = JsonValue::Kind::Int;
      v.intValue = negative ? -tok.intValue : tok.intValue;
      v.floatValue = static_cast<double>(v.intValue);
      break;
    case Tok::Float:
      v.kind = JsonValue::Kind::Float;
      v.floatValue = negative ? -tok.floatValue : tok.floatValue;
      break;
    case Tok::Ident:
      if (tok.text == "Infinity" || tok.text == "NaN") {
        v.kind = JsonValue::Kind::Float;
        v.floatValue = tok.text == "NaN"
                           ? std::numeric_limits<double>::quiet_NaN()
                           : std::numeric_limits<double>::infinity();
        if (negative)
          v.floatValue = -v.floatValue;
        break;
      }
      if (negative)
        return error("expected a number after '-'");
      if (tok.text != "null")
        return error("expected a JSON value");
      v.kind = JsonValue::Kind::Null;
      break;
    case Tok::KwTrue:
    case Tok::KwFalse:
      if (negative)
        return error("expected a number after '-'");
      v.kind = JsonValue::Kind::Bool;
      v.boolValue = tok.kind == Tok::KwTrue;
      break;
    case Tok::String:
      if (negative)
        return error("expected a number after '-'");
      v.kind = JsonValue::Kind::String;
      v.stringValue = tok.stringValue;
      break;
    case Tok::LBracket:
      if (negative)
        return error("expected a number after '-'");
      return parseArray(v, depth);
    case Tok::LBrace:
      if (negative)
        return error("expected a number after '-'");
      return parseObject(v, depth);
    default:
      return error(negative ? "expected a number after '-'"
                            : "expected a JSON value");
    }
    tok = lexer.next();
    return true;
  }

  bool parseArray(JsonValue &v, unsigned depth) {
    v.kind = JsonValue::Kind::Array;
    tok = lexer.next();
    if (tok.kind == Tok::RBracket) {
      tok = lexer.next();
      return true;
    }
    while (true) {
      v.elements.emplace_back();
      if (!parseValue(v.elements.back(), depth + 1))
        return false;
      if (tok.kind == Tok::RBracket) {
        tok = lexer.next();
        return true;
      }
      if (tok.kind != Tok::Comma)
        return error("expected ',' or ']' in the array");
      tok = lexer.next();
    }
  }

  bool parseObject(JsonValue &v, unsigned depth) {
    v.kind = JsonValue::Kind::Object;
    tok = lexer.next();
    if (tok.kind == Tok::RBrace) {
      tok = lexer.next();
      return true;
    }
    while (true) {
      if (tok.kind != Tok::String)
        return error("expected a key in quotes");
      JsonValue::Member m{tok.stringValue, loc(),
                          std::make_unique<JsonValue>()};
      if (const JsonValue::Member *prev = v.find(m.key)) {
        auto diag = mlir::emitError(m.keyLoc)
                    << "duplicate key '" << m.key << "'";
        diag.attachNote(prev->keyLoc) << "first given here";
        return false;
      }
      tok = lexer.next();
      if (tok.kind != Tok::Colon)
        return error("expected ':' after the key");
      tok = lexer.next();
      if (!parseValue(*m.value, depth + 1))
        return false;
      v.members.push_back(std::move(m));
      if (tok.kind == Tok::RBrace) {
        tok = lexer.next();
        return true;
      }
      if (tok.kind != Tok::Comma)
        return error("expected ',' or '}' in the object");
      tok = lexer.next();
    }
  }

  Lexer lexer;
  Token tok;
  std::string filename;
  mlir::MLIRContext *ctx;
};
} // namespace

std::unique_ptr<JsonValue> mamba::frontend::parseJson(llvm::StringRef text,
                                                      llvm::StringRef filename,
                                                      mlir::MLIRContext *ctx) {
  return JsonParser(text, filename, ctx).parseDocument();
}
