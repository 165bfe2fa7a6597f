//===- Lexer.h - tokens of the .ssm spec language ---------------*- C++ -*-===//
//
// Splits a buffer into tokens with line:column positions. The HF importer
// reuses it for config.json, whose tokens are a subset of the language's.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_LEXER_H
#define MAMBA_FRONTEND_LEXER_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace mamba::frontend {

enum class Tok {
  Eof,
  Error,
  Ident,
  Int,
  Float,
  String,
  // Keywords.
  KwImport,
  KwScan,
  KwBlock,
  KwModel,
  KwState,
  KwParam,
  KwWeight,
  KwLet,
  KwFor,
  KwIn,
  KwReturn,
  KwRequire,
  KwIf,
  KwThen,
  KwElse,
  KwTrue,
  KwFalse,
  KwNone,
  KwAt,
  // Punctuation and operators.
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Semi,
  Colon,
  Assign,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Plus,
  Minus,
  Star,
  Slash,
  SlashSlash,
  Percent,
  Bang,
  AndAnd,
  OrOr,
  Arrow,
  DotDot,
};

/// Spelling of a token kind for diagnostics ("'('", "identifier", ...).
const char *tokSpelling(Tok kind);

struct Token {
  Tok kind = Tok::Eof;
  llvm::StringRef text;    // the source text of the token
  std::string stringValue; // String: unescaped contents; Error: message
  int64_t intValue = 0;
  double floatValue = 0;
  unsigned line = 1, col = 1;
};

class Lexer {
public:
  explicit Lexer(llvm::StringRef buffer) : buffer(buffer) {}

  /// Consumes and returns the next token.
  Token next();

private:
  char peek(size_t ahead = 0) const {
    return pos + ahead < buffer.size() ? buffer[pos + ahead] : '\0';
  }
  void advance();
  void skipSpaceAndComments();
  Token lexNumber(Token tok);
  Token lexString(Token tok);
  Token lexIdentifier(Token tok);
  Token error(Token tok, std::string message);

  llvm::StringRef buffer;
  size_t pos = 0;
  unsigned line = 1, col = 1;
};

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_LEXER_H
