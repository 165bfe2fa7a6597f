//===- Lexer.cpp - tokens of the .ssm spec language -----------------------===//
//
// A hand-written scanner: comments start with '#', numbers are ints unless
// they have a fraction or an exponent, strings are double-quoted with C/JSON
// escapes.
//
//===----------------------------------------------------------------------===//

#include "Lexer.h"

#include "llvm/ADT/StringSwitch.h"

#include <cerrno>
#include <cstdlib>

using namespace mamba::frontend;

const char *mamba::frontend::tokSpelling(Tok kind) {
  switch (kind) {
  case Tok::Eof:
    return "end of file";
  case Tok::Error:
    return "invalid token";
  case Tok::Ident:
    return "identifier";
  case Tok::Int:
    return "integer";
  case Tok::Float:
    return "number";
  case Tok::String:
    return "string";
  case Tok::KwImport:
    return "'import'";
  case Tok::KwScan:
    return "'scan'";
  case Tok::KwBlock:
    return "'block'";
  case Tok::KwModel:
    return "'model'";
  case Tok::KwState:
    return "'state'";
  case Tok::KwParam:
    return "'param'";
  case Tok::KwWeight:
    return "'weight'";
  case Tok::KwLet:
    return "'let'";
  case Tok::KwFor:
    return "'for'";
  case Tok::KwIn:
    return "'in'";
  case Tok::KwReturn:
    return "'return'";
  case Tok::KwRequire:
    return "'require'";
  case Tok::KwIf:
    return "'if'";
  case Tok::KwThen:
    return "'then'";
  case Tok::KwElse:
    return "'else'";
  case Tok::KwTrue:
    return "'true'";
  case Tok::KwFalse:
    return "'false'";
  case Tok::KwNone:
    return "'none'";
  case Tok::KwAt:
    return "'at'";
  case Tok::LParen:
    return "'('";
  case Tok::RParen:
    return "')'";
  case Tok::LBracket:
    return "'['";
  case Tok::RBracket:
    return "']'";
  case Tok::LBrace:
    return "'{'";
  case Tok::RBrace:
    return "'}'";
  case Tok::Comma:
    return "','";
  case Tok::Semi:
    return "';'";
  case Tok::Colon:
    return "':'";
  case Tok::Assign:
    return "'='";
  case Tok::Eq:
    return "'=='";
  case Tok::Ne:
    return "'!='";
  case Tok::Lt:
    return "'<'";
  case Tok::Le:
    return "'<='";
  case Tok::Gt:
    return "'>'";
  case Tok::Ge:
    return "'>='";
  case Tok::Plus:
    return "'+'";
  case Tok::Minus:
    return "'-'";
  case Tok::Star:
    return "'*'";
  case Tok::Slash:
    return "'/'";
  case Tok::SlashSlash:
    return "'//'";
  case Tok::Percent:
    return "'%'";
  case Tok::Bang:
    return "'!'";
  case Tok::AndAnd:
    return "'&&'";
  case Tok::OrOr:
    return "'||'";
  case Tok::Arrow:
    return "'->'";
  case Tok::DotDot:
    return "'..'";
  }
  return "token";
}

void Lexer::advance() {
  if (pos >= buffer.size())
    return;
  if (buffer[pos] == '\n') {
    ++line;
    col = 1;
  } else {
    ++col;
  }
  ++pos;
}

void Lexer::skipSpaceAndComments() {
  while (pos < buffer.size()) {
    char c = peek();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance();
    } else if (c == '#') {
      while (pos < buffer.size() && peek() != '\n')
        advance();
    } else {
      return;
    }
  }
}

Token Lexer::error(Token tok, std::string message) {
  tok.kind = Tok::Error;
  tok.stringValue = std::move(message);
  return tok;
}

static bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool isDigit(char c) { return c >= '0' && c <= '9'; }

Token Lexer::next() {
  skipSpaceAndComments();
  Token tok;
  tok.line = line;
  tok.col = col;
  size_t start = pos;
  if (pos >= buffer.size()) {
    tok.kind = Tok::Eof;
    tok.text = buffer.substr(pos, 0);
    return tok;
  }
  char c = peek();
  if (isIdentStart(c))
    return lexIdentifier(tok);
  if (isDigit(c) || (c == '.' && isDigit(peek(1))))
    return lexNumber(tok);
  if (c == '"')
    return lexString(tok);

  auto two = [&](char second) { return peek(1) == second; };
  Tok kind;
  size_t len = 1;
  switch (c) {
  case '(':
    kind = Tok::LParen;
    break;
  case ')':
    kind = Tok::RParen;
    break;
  case '[':
    kind = Tok::LBracket;
    break;
  case ']':
    kind = Tok::RBracket;
    break;
  case '{':
    kind = Tok::LBrace;
    break;
  case '}':
    kind = Tok::RBrace;
    break;
  case ',':
    kind = Tok::Comma;
    break;
  case ';':
    kind = Tok::Semi;
    break;
  case ':':
    kind = Tok::Colon;
    break;
  case '+':
    kind = Tok::Plus;
    break;
  case '*':
    kind = Tok::Star;
    break;
  case '%':
    kind = Tok::Percent;
    break;
  case '=':
    kind = two('=') ? (len = 2, Tok::Eq) : Tok::Assign;
    break;
  case '!':
    kind = two('=') ? (len = 2, Tok::Ne) : Tok::Bang;
    break;
  case '<':
    kind = two('=') ? (len = 2, Tok::Le) : Tok::Lt;
    break;
  case '>':
    kind = two('=') ? (len = 2, Tok::Ge) : Tok::Gt;
    break;
  case '-':
    kind = two('>') ? (len = 2, Tok::Arrow) : Tok::Minus;
    break;
  case '/':
    kind = two('/') ? (len = 2, Tok::SlashSlash) : Tok::Slash;
    break;
  case '&':
    if (!two('&')) {
      advance();
      tok.text = buffer.slice(start, pos);
      return error(tok, "expected '&&', got a single '&'");
    }
    kind = Tok::AndAnd;
    len = 2;
    break;
  case '|':
    if (!two('|')) {
      advance();
      tok.text = buffer.slice(start, pos);
      return error(tok, "expected '||', got a single '|'");
    }
    kind = Tok::OrOr;
    len = 2;
    break;
  case '.':
    if (!two('.')) {
      advance();
      tok.text = buffer.slice(start, pos);
      return error(tok, "unexpected '.'; a range is written 'lo .. hi'");
    }
    kind = Tok::DotDot;
    len = 2;
    break;
  default: {
    advance();
    tok.text = buffer.slice(start, pos);
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      char hex[8];
      snprintf(hex, sizeof(hex), "0x%02x", u);
      return error(tok, std::string("unexpected byte ") + hex);
    }
    return error(tok, std::string("unexpected character '") + c + "'");
  }
  }
  for (size_t i = 0; i < len; ++i)
    advance();
  tok.kind = kind;
  tok.text = buffer.slice(start, pos);
  return tok;
}

Token Lexer::lexIdentifier(Token tok) {
  size_t start = pos;
  while (isIdentStart(peek()) || isDigit(peek()))
    advance();
  tok.text = buffer.slice(start, pos);
  tok.kind = llvm::StringSwitch<Tok>(tok.text)
                 .Case("import", Tok::KwImport)
                 .Case("scan", Tok::KwScan)
                 .Case("block", Tok::KwBlock)
                 .Case("model", Tok::KwModel)
                 .Case("state", Tok::KwState)
                 .Case("param", Tok::KwParam)
                 .Case("weight", Tok::KwWeight)
                 .Case("let", Tok::KwLet)
                 .Case("for", Tok::KwFor)
                 .Case("in", Tok::KwIn)
                 .Case("return", Tok::KwReturn)
                 .Case("require", Tok::KwRequire)
                 .Case("if", Tok::KwIf)
                 .Case("then", Tok::KwThen)
                 .Case("else", Tok::KwElse)
                 .Case("true", Tok::KwTrue)
                 .Case("false", Tok::KwFalse)
                 .Case("none", Tok::KwNone)
                 .Case("at", Tok::KwAt)
                 .Default(Tok::Ident);
  return tok;
}

Token Lexer::lexNumber(Token tok) {
  size_t start = pos;
  bool isFloat = false;
  while (isDigit(peek()))
    advance();
  // "0..n" is a range, not the float "0.".
  if (peek() == '.' && peek(1) != '.') {
    isFloat = true;
    advance();
    while (isDigit(peek()))
      advance();
  }
  if (peek() == 'e' || peek() == 'E') {
    size_t save = pos;
    unsigned saveLine = line, saveCol = col;
    advance();
    if (peek() == '+' || peek() == '-')
      advance();
    if (!isDigit(peek())) {
      pos = save;
      line = saveLine;
      col = saveCol;
    } else {
      isFloat = true;
      while (isDigit(peek()))
        advance();
    }
  }
  tok.text = buffer.slice(start, pos);
  if (isIdentStart(peek())) {
    while (isIdentStart(peek()) || isDigit(peek()))
      advance();
    tok.text = buffer.slice(start, pos);
    return error(tok, "invalid number '" + tok.text.str() + "'");
  }
  std::string text = tok.text.str();
  errno = 0;
  if (isFloat) {
    tok.kind = Tok::Float;
    tok.floatValue = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE)
      return error(tok, "number '" + text + "' is out of range");
    return tok;
  }
  tok.kind = Tok::Int;
  unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX))
    return error(tok, "integer '" + text + "' is too large");
  tok.intValue = static_cast<int64_t>(v);
  return tok;
}

Token Lexer::lexString(Token tok) {
  size_t start = pos;
  advance(); // opening quote
  std::string value;
  while (true) {
    char c = peek();
    if (pos >= buffer.size() || c == '\n') {
      tok.text = buffer.slice(start, pos);
      return error(tok, "unterminated string");
    }
    advance();
    if (c == '"')
      break;
    if (c != '\\') {
      value += c;
      continue;
    }
    char e = peek();
    advance();
    switch (e) {
    case '"':
    case '\\':
    case '/':
      value += e;
      break;
    case 'n':
      value += '\n';
      break;
    case 't':
      value += '\t';
      break;
    case 'r':
      value += '\r';
      break;
    case 'b':
      value += '\b';
      break;
    case 'f':
      value += '\f';
      break;
    case 'u': {
      unsigned code = 0;
      for (int i = 0; i < 4; ++i) {
        char h = peek();
        int digit = isDigit(h)               ? h - '0'
                    : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                    : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                             : -1;
        if (digit < 0) {
          tok.text = buffer.slice(start, pos);
          return error(tok, "expected 4 hex digits after '\\u'");
        }
        code = code * 16 + digit;
        advance();
      }
      // Names are ASCII in practice; other code points are kept as UTF-8.
      if (code < 0x80) {
        value += static_cast<char>(code);
      } else if (code < 0x800) {
        value += static_cast<char>(0xc0 | (code >> 6));
        value += static_cast<char>(0x80 | (code & 0x3f));
      } else {
        value += static_cast<char>(0xe0 | (code >> 12));
        value += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
        value += static_cast<char>(0x80 | (code & 0x3f));
      }
      break;
    }
    default:
      tok.text = buffer.slice(start, pos);
      return error(tok, std::string("invalid escape '\\") +
                            (e ? std::string(1, e) : std::string()) +
                            "' in string");
    }
  }
  tok.kind = Tok::String;
  tok.text = buffer.slice(start, pos);
  tok.stringValue = std::move(value);
  return tok;
}
