// Error handling for the runtime: a Status (ok or an error message) and
// Expected<T> (a value or an error), so no exception crosses an API boundary.
#ifndef MAMBA_STATUS_H
#define MAMBA_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace mamba {

/// The outcome of an operation: ok, or an error with a human-readable message.
class [[nodiscard]] Status {
public:
  Status() = default;

  static Status success() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    return s;
  }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string &message() const { return message_; }

  /// Prefixes the message with context ("file.json: " + message); no-op if ok.
  Status withContext(const std::string &context) const {
    if (ok())
      return *this;
    return error(context + message_);
  }

private:
  bool failed_ = false;
  std::string message_;
};

/// A value of type T, or the error Status saying why there is none.
template <class T> class [[nodiscard]] Expected {
public:
  Expected(T value) : value_(std::move(value)) {}
  /// Constructing from a Status requires an error; an ok Status has no value.
  Expected(Status status) : status_(std::move(status)) {
    assert(!status_.ok() && "Expected<T> built from an ok Status");
    if (status_.ok())
      status_ = Status::error("internal error: Expected built from ok Status");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  T &value() & {
    assert(ok());
    return *value_;
  }
  const T &value() const & {
    assert(ok());
    return *value_;
  }
  T &&value() && {
    assert(ok());
    return std::move(*value_);
  }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }

  /// The error; an ok Expected returns an ok Status.
  const Status &status() const { return status_; }
  const Status &error() const { return status_; }

private:
  std::optional<T> value_;
  Status status_;
};

/// Returns early from the enclosing function if `expr` (a Status) failed.
#define MAMBA_RETURN_IF_ERROR(expr)                                            \
  do {                                                                         \
    ::mamba::Status mambaStatus_ = (expr);                                     \
    if (!mambaStatus_.ok())                                                    \
      return mambaStatus_;                                                     \
  } while (0)

} // namespace mamba

#endif // MAMBA_STATUS_H
