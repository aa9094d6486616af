// Result<T>: the error-handling convention of every library layer (DESIGN.md section 5).
// Library code never exits on bad input; it returns an Error whose message names what failed
// and where (file:line:col, key, HTTP method/path ...). Callers add context with `context()`.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace hardend {

struct Error {
  std::string message;

  // Prefix the message with where it happened: "POST /containers/create: " + message.
  Error context(const std::string& where) const& { return Error{where + ": " + message}; }
  Error context(const std::string& where) && {
    message = where + ": " + message;
    return std::move(*this);
  }
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(state_); }
  Error take_error() { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }
  Error take_error() { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace hardend

// Propagate an error from an expression returning Result<...>: HARDEND_TRY(r, expr); then use *r.
#define HARDEND_TRY_VOID(expr)              \
  do {                                      \
    auto hardend_try_status_ = (expr);      \
    if (!hardend_try_status_.ok())          \
      return hardend_try_status_.take_error(); \
  } while (0)
