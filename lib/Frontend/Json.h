//===- Json.h - JSON with source locations ----------------------*- C++ -*-===//
//
// A JSON reader that keeps the line:column of every key and value, so the
// Hugging Face importer can point its diagnostics into config.json.
//
//===----------------------------------------------------------------------===//

#ifndef MAMBA_FRONTEND_JSON_H
#define MAMBA_FRONTEND_JSON_H

#include "AST.h"

#include "mlir/IR/MLIRContext.h"

#include <memory>
#include <string>
#include <vector>

namespace mamba::frontend {

struct JsonValue {
  enum class Kind { Null, Bool, Int, Float, String, Array, Object };
  Kind kind = Kind::Null;
  Loc loc;
  bool boolValue = false;
  int64_t intValue = 0;
  double floatValue = 0;
  std::string stringValue;
  std::vector<JsonValue> elements;
  struct Member {
    std::string key;
    Loc keyLoc;
    std::unique_ptr<JsonValue> value;
  };
  std::vector<Member> members;

  /// The member named `key`, or null.
  const Member *find(llvm::StringRef key) const;
  /// "an integer", "a string", ...
  const char *kindName() const;
};

/// Parses `text` (named `filename` in diagnostics); null after an error.
std::unique_ptr<JsonValue> parseJson(llvm::StringRef text,
                                     llvm::StringRef filename,
                                     mlir::MLIRContext *ctx);

} // namespace mamba::frontend

#endif // MAMBA_FRONTEND_JSON_H
