// BlockBuffer: owned storage for up to one block of rows of every column,
// viewed as a query::ColumnBlock. The segment reader decodes into it, the
// flush gathers sorted head rows into it, compaction merges through it.
//
// Thread-safety: a plain value; one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "event/event.h"
#include "query/block.h"
#include "store/segment/segment_format.h"

namespace agentperf::store::segment {

struct BlockBuffer {
  std::vector<int64_t> start_us, dur_us;
  std::vector<uint8_t> kind, status;
  std::array<std::vector<uint32_t>, event::kNumStrFields> str;
  std::array<std::vector<int64_t>, event::kNumIntFields> ints;
  std::array<std::vector<double>, event::kNumFloatFields> floats;
  std::vector<uint32_t> attr;  // attribute dictionary code, 0 = none
  std::string raw;             // reader scratch: the block's bytes
  std::vector<int64_t> wide;   // reader scratch: a column before narrowing

  // Sizes every column to n rows (contents unspecified).
  void Resize(size_t n);
  // The view of rows [0, n); dictionaries are left null for the caller to set.
  query::ColumnBlock View(size_t n) const;
};

// Read-only buffers of kBlockRows "absent" values, for columns a query does
// not need (so every ColumnBlock pointer stays valid).
const uint32_t* AbsentCodes();
const int64_t* AbsentInts();
const double* AbsentDoubles();
const uint8_t* ZeroBytes();
// A dictionary with only code 0 (absent).
const query::Dictionary* EmptyDictionary();

}  // namespace agentperf::store::segment
