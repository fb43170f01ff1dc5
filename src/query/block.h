// The columnar view the query engine scans: a block of rows with one pointer
// per column. Both the store's head and (later) its immutable segments hand
// blocks like this to the engine, so one set of kernels serves both.
//
// Thread-safety: a block is a read-only view; its memory is owned by the
// source (head or segment) and stays valid for the duration of the scan.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "event/event.h"

namespace agentperf::query {

// Code <-> string mapping of a dictionary-coded column. Code 0 = absent.
class Dictionary {
 public:
  virtual ~Dictionary() = default;
  // REQUIRES code < size().
  virtual std::string_view Lookup(uint32_t code) const = 0;
  // Codes in use, including the reserved 0.
  virtual uint32_t Size() const = 0;
};

struct ColumnBlock {
  size_t rows = 0;
  uint64_t first_row = 0;
  int64_t min_start_us = 0;  // bounds of start_us in this block
  int64_t max_start_us = 0;
  const int64_t* start_us = nullptr;
  const int64_t* dur_us = nullptr;
  const uint8_t* kind = nullptr;
  const uint8_t* status = nullptr;
  std::array<const uint32_t*, event::kNumStrFields> str{};        // 0 = absent
  std::array<const int64_t*, event::kNumIntFields> ints{};        // event::kAbsentInt = absent
  std::array<const double*, event::kNumFloatFields> floats{};     // NaN = absent
  std::array<const Dictionary*, event::kNumStrFields> dicts{};
  // Every pointer is non-null and covers `rows` values.
};

}  // namespace agentperf::query
