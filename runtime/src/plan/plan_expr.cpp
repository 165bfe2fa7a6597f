// Expr: integer polynomials in batch and seqlen, with their text form.
#include "mamba/plan.h"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace mamba::plan {

Expr::Expr(int64_t constant) {
  if (constant != 0)
    terms_.push_back({constant, 0, 0});
}

Expr Expr::batch() {
  Expr e;
  e.terms_.push_back({1, 1, 0});
  return e;
}

Expr Expr::seqlen() {
  Expr e;
  e.terms_.push_back({1, 0, 1});
  return e;
}

void Expr::normalize() {
  std::sort(terms_.begin(), terms_.end(), [](const Term &a, const Term &b) {
    return std::tie(b.batchPower, b.seqlenPower) <
           std::tie(a.batchPower, a.seqlenPower);
  });
  std::vector<Term> merged;
  for (const Term &t : terms_) {
    if (!merged.empty() && merged.back().batchPower == t.batchPower &&
        merged.back().seqlenPower == t.seqlenPower)
      merged.back().coef += t.coef;
    else
      merged.push_back(t);
  }
  merged.erase(std::remove_if(merged.begin(), merged.end(),
                              [](const Term &t) { return t.coef == 0; }),
               merged.end());
  terms_ = std::move(merged);
}

Expr Expr::operator+(const Expr &other) const {
  Expr r = *this;
  r.terms_.insert(r.terms_.end(), other.terms_.begin(), other.terms_.end());
  r.normalize();
  return r;
}

Expr Expr::operator*(const Expr &other) const {
  Expr r;
  for (const Term &a : terms_)
    for (const Term &b : other.terms_)
      r.terms_.push_back({a.coef * b.coef, a.batchPower + b.batchPower,
                          a.seqlenPower + b.seqlenPower});
  r.normalize();
  return r;
}

int64_t Expr::eval(int64_t batch, int64_t seqlen) const {
  int64_t sum = 0;
  for (const Term &t : terms_) {
    int64_t v = t.coef;
    for (int i = 0; i < t.batchPower; ++i)
      v *= batch;
    for (int i = 0; i < t.seqlenPower; ++i)
      v *= seqlen;
    sum += v;
  }
  return sum;
}

bool Expr::isConstant() const {
  return std::all_of(terms_.begin(), terms_.end(), [](const Term &t) {
    return t.batchPower == 0 && t.seqlenPower == 0;
  });
}

int64_t Expr::constant() const { return terms_.empty() ? 0 : terms_[0].coef; }

bool Expr::sameShapeAs(const Expr &other) const {
  if (terms_.size() != other.terms_.size())
    return false;
  for (size_t i = 0; i < terms_.size(); ++i)
    if (terms_[i].batchPower != other.terms_[i].batchPower ||
        terms_[i].seqlenPower != other.terms_[i].seqlenPower)
      return false;
  return true;
}

Expr Expr::termwiseMax(const Expr &other) const {
  Expr r = *this;
  for (size_t i = 0; i < r.terms_.size(); ++i)
    r.terms_[i].coef = std::max(r.terms_[i].coef, other.terms_[i].coef);
  return r;
}

std::string Expr::str() const {
  if (terms_.empty())
    return "0";
  std::string s;
  for (const Term &t : terms_) {
    int64_t coef = t.coef;
    if (!s.empty()) {
      s += coef < 0 ? " - " : " + ";
      coef = coef < 0 ? -coef : coef;
    } else if (coef < 0) {
      s += "-";
      coef = -coef;
    }
    std::string factors;
    for (int i = 0; i < t.batchPower; ++i)
      factors += "*batch";
    for (int i = 0; i < t.seqlenPower; ++i)
      factors += "*seqlen";
    if (coef != 1 || factors.empty())
      s += std::to_string(coef) + factors;
    else
      s += factors.substr(1);
  }
  return s;
}

namespace {
/// Recursive-descent parser of: expr := term (('+'|'-') term)*;
/// term := factor ('*' factor)*; factor := integer | batch | seqlen.
class ExprParser {
public:
  explicit ExprParser(std::string_view text) : text_(text) {}

  Expected<Expr> parse() {
    Expr sum;
    bool negate = false;
    skipSpace();
    if (peek() == '-') {
      negate = true;
      ++pos_;
    }
    while (true) {
      Expected<Expr> term = parseTerm();
      if (!term.ok())
        return term.status();
      sum = sum + (negate ? *term * Expr(-1) : *term);
      skipSpace();
      if (pos_ == text_.size())
        return sum;
      char c = text_[pos_];
      if (c != '+' && c != '-')
        return error("'+', '-' or '*'");
      negate = c == '-';
      ++pos_;
    }
  }

private:
  Expected<Expr> parseTerm() {
    Expr product(1);
    while (true) {
      skipSpace();
      Expr factor;
      if (pos_ < text_.size() &&
          std::isdigit(static_cast<unsigned char>(peek()))) {
        int64_t v = 0;
        while (pos_ < text_.size() &&
               std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
          if (v > (INT64_MAX - 9) / 10)
            return Status::error("expression '" + std::string(text_) +
                                 "': integer out of range");
          v = v * 10 + (text_[pos_++] - '0');
        }
        factor = Expr(v);
      } else if (text_.substr(pos_, 5) == "batch") {
        pos_ += 5;
        factor = Expr::batch();
      } else if (text_.substr(pos_, 6) == "seqlen") {
        pos_ += 6;
        factor = Expr::seqlen();
      } else {
        return error("an integer, 'batch' or 'seqlen'");
      }
      product = product * factor;
      skipSpace();
      if (peek() != '*')
        return product;
      ++pos_;
    }
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skipSpace() {
    while (pos_ < text_.size() && text_[pos_] == ' ')
      ++pos_;
  }
  Status error(const char *expected) const {
    std::string found = pos_ < text_.size()
                            ? "'" + std::string(1, text_[pos_]) + "'"
                            : std::string("the end");
    return Status::error("expression '" + std::string(text_) + "': expected " +
                         expected + " at column " + std::to_string(pos_ + 1) +
                         ", found " + found);
  }

  std::string_view text_;
  size_t pos_ = 0;
};
} // namespace

Expected<Expr> Expr::parse(std::string_view text) {
  return ExprParser(text).parse();
}

} // namespace mamba::plan
