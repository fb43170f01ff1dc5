#include "store/segment/block_buffer.h"

#include <limits>

namespace agentperf::store::segment {

void BlockBuffer::Resize(size_t n) {
  start_us.resize(n);
  dur_us.resize(n);
  kind.resize(n);
  status.resize(n);
  for (auto& c : str) c.resize(n);
  for (auto& c : ints) c.resize(n);
  for (auto& c : floats) c.resize(n);
  attr.resize(n);
}

query::ColumnBlock BlockBuffer::View(size_t n) const {
  query::ColumnBlock b;
  b.rows = n;
  b.start_us = start_us.data();
  b.dur_us = dur_us.data();
  b.kind = kind.data();
  b.status = status.data();
  for (int f = 0; f < event::kNumStrFields; ++f) b.str[f] = str[f].data();
  for (int f = 0; f < event::kNumIntFields; ++f) b.ints[f] = ints[f].data();
  for (int f = 0; f < event::kNumFloatFields; ++f) b.floats[f] = floats[f].data();
  return b;
}

namespace {

template <typename T>
const T* Filled(T value) {
  static const std::vector<T>* v = new std::vector<T>(kBlockRows, value);  // process lifetime
  return v->data();
}

class Empty final : public query::Dictionary {
 public:
  std::string_view Lookup(uint32_t) const override { return {}; }
  uint32_t Size() const override { return 1; }
};

}  // namespace

const uint32_t* AbsentCodes() {
  static const uint32_t* p = Filled<uint32_t>(0);
  return p;
}
const int64_t* AbsentInts() {
  static const int64_t* p = Filled<int64_t>(event::kAbsentInt);
  return p;
}
const double* AbsentDoubles() {
  static const double* p = Filled<double>(std::numeric_limits<double>::quiet_NaN());
  return p;
}
const uint8_t* ZeroBytes() {
  static const uint8_t* p = Filled<uint8_t>(0);
  return p;
}
const query::Dictionary* EmptyDictionary() {
  static const Empty* d = new Empty();
  return d;
}

}  // namespace agentperf::store::segment
