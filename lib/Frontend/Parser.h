//===- Parser.h - recursive-descent parser of .ssm files --------*- C++ -*-===//
//
// Builds the AST of one file; the first syntax error is reported through
// the MLIR diagnostic engine and parsing stops.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_PARSER_H
#define MAMBA_FRONTEND_PARSER_H

#include "AST.h"
#include "Lexer.h"

#include "mlir/IR/MLIRContext.h"

namespace mamba::frontend {

class Parser {
public:
  Parser(llvm::StringRef buffer, llvm::StringRef filename,
         mlir::MLIRContext *ctx)
      : lexer(buffer), filename(filename.str()), ctx(ctx) {
    tok = lexer.next();
  }

  /// Parses a whole file; null after a reported error.
  std::unique_ptr<Module> parseModule();

private:
  // Definitions.
  bool parseImport(Module &m);
  DefPtr parseScan();
  DefPtr parseBlock();
  DefPtr parseModel();
  bool parseIndexedDecl(IndexedDecl &decl);
  bool parseTensorType(TensorTypeDecl &type);

  // Statements.
  bool parseStmts(std::vector<StmtPtr> &out, bool topLevel);
  StmtPtr parseStmt(bool topLevel);
  StmtPtr parseParam();
  StmtPtr parseWeight();

  // Expressions, by precedence.
  ExprPtr parseExpr();
  ExprPtr parseOr();
  ExprPtr parseAnd();
  ExprPtr parseCompare();
  ExprPtr parseAdditive();
  ExprPtr parseMultiplicative();
  ExprPtr parseUnary();
  ExprPtr parsePrimary();
  bool parseExprList(Tok close, std::vector<ExprPtr> &out);

  // Tokens.
  void consume() { tok = lexer.next(); }
  bool is(Tok k) const { return tok.kind == k; }
  bool consumeIf(Tok k) {
    if (!is(k))
      return false;
    consume();
    return true;
  }
  bool expect(Tok k, llvm::StringRef context);
  bool expectIdent(std::string &name, llvm::StringRef what);
  Loc loc() const { return loc(tok); }
  Loc loc(const Token &t) const;
  /// Reports "expected X, got Y" (or the lexer's message) at the token.
  bool error(const llvm::Twine &message);
  bool errorAt(Loc l, const llvm::Twine &message);

  Lexer lexer;
  Token tok;
  std::string filename;
  mlir::MLIRContext *ctx;
  unsigned depth = 0; // expression nesting, bounded to keep the stack safe
};

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_PARSER_H
