#include "core/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace agentperf {
namespace {

TEST(Status, DefaultIsOkWithEmptyMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_TRUE(Status::OK().ok());
}

TEST(Status, EveryFactoryGivesItsCodeAndMessage) {
  struct Case {
    Status status;
    StatusCode code;
    const char* name;
  };
  std::vector<Case> cases = {
      {Status::InvalidArgument("m"), StatusCode::kInvalidArgument, "InvalidArgument"},
      {Status::NotFound("m"), StatusCode::kNotFound, "NotFound"},
      {Status::AlreadyExists("m"), StatusCode::kAlreadyExists, "AlreadyExists"},
      {Status::Corruption("m"), StatusCode::kCorruption, "Corruption"},
      {Status::IOError("m"), StatusCode::kIOError, "IOError"},
      {Status::ResourceExhausted("m"), StatusCode::kResourceExhausted, "ResourceExhausted"},
      {Status::TooLarge("m"), StatusCode::kTooLarge, "TooLarge"},
      {Status::Unavailable("m"), StatusCode::kUnavailable, "Unavailable"},
      {Status::PermissionDenied("m"), StatusCode::kPermissionDenied, "PermissionDenied"},
      {Status::FailedPrecondition("m"), StatusCode::kFailedPrecondition, "FailedPrecondition"},
      {Status::Internal("m"), StatusCode::kInternal, "Internal"},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(c.status.ok()) << c.name;
    EXPECT_EQ(c.status.code(), c.code) << c.name;
    EXPECT_EQ(c.status.message(), "m") << c.name;
    EXPECT_EQ(StatusCodeName(c.code), c.name);
    EXPECT_EQ(c.status.ToString(), std::string(c.name) + ": m");
  }
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(static_cast<StatusCode>(999)), "Unknown");
}

TEST(Status, ConstructingWithOkCodeIsOkAndDropsTheMessage) {
  Status s(StatusCode::kOk, "ignored");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(Status, ErrorWithEmptyMessageIsStillAnError) {
  Status s = Status::IOError("");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "IOError: ");
}

TEST(Status, ToStringMatchesDocumentedShape) {
  Status s = Status::IOError("fsync wal/000001.wal: Input/output error");
  EXPECT_EQ(s.ToString(), "IOError: fsync wal/000001.wal: Input/output error");
}

TEST(Status, WithContextPrependsAndKeepsCode) {
  Status s = Status::NotFound("segment 7");
  Status c = s.WithContext("replay");
  EXPECT_EQ(c.code(), StatusCode::kNotFound);
  EXPECT_EQ(c.message(), "replay: segment 7");
  EXPECT_EQ(c.ToString(), "NotFound: replay: segment 7");
  // The original is unchanged (copies share an immutable rep).
  EXPECT_EQ(s.message(), "segment 7");
  Status cc = c.WithContext("open");
  EXPECT_EQ(cc.message(), "open: replay: segment 7");
}

TEST(Status, WithContextOnOkStaysOk) {
  Status c = Status::OK().WithContext("anything");
  EXPECT_TRUE(c.ok());
  EXPECT_EQ(c.message(), "");
}

TEST(Status, CopiesAndMovesPreserveValue) {
  Status a = Status::Corruption("bad crc");
  Status b = a;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(b.code(), StatusCode::kCorruption);
  EXPECT_EQ(b.message(), "bad crc");
  Status c = std::move(a);
  EXPECT_EQ(c.message(), "bad crc");
  Status d;
  d = c;
  EXPECT_EQ(d.ToString(), "Corruption: bad crc");
  d = Status::OK();
  EXPECT_TRUE(d.ok());
  EXPECT_FALSE(c.ok());
}

TEST(Result, HoldsValue) {
  Result<int> r(42);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(*r, 42);
  r.value() = 7;
  EXPECT_EQ(*r, 7);
}

TEST(Result, HoldsError) {
  Result<int> r(Status::TooLarge("413"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTooLarge);
  EXPECT_EQ(r.status().message(), "413");
}

TEST(Result, ArrowAndMoveOut) {
  Result<std::string> r(std::string("hello"));
  EXPECT_EQ(r->size(), 5u);
  const Result<std::string>& cr = r;
  EXPECT_EQ(cr->substr(1), "ello");
  std::string s = std::move(r).value();
  EXPECT_EQ(s, "hello");
}

TEST(Result, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
}

// Helpers exercising the macros.
Status FailIf(bool fail, int* calls) {
  ++*calls;
  return fail ? Status::Unavailable("down") : Status::OK();
}

Status TwoSteps(bool fail_first, bool fail_second, int* calls, bool* reached_end) {
  AP_RETURN_IF_ERROR(FailIf(fail_first, calls));
  AP_RETURN_IF_ERROR(FailIf(fail_second, calls));
  *reached_end = true;
  return Status::OK();
}

TEST(Macros, ReturnIfErrorPassesThroughOk) {
  int calls = 0;
  bool end = false;
  EXPECT_TRUE(TwoSteps(false, false, &calls, &end).ok());
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(end);
}

TEST(Macros, ReturnIfErrorStopsAtFirstError) {
  int calls = 0;
  bool end = false;
  Status s = TwoSteps(true, false, &calls, &end);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "down");
  EXPECT_EQ(calls, 1);  // the second step never ran
  EXPECT_FALSE(end);

  calls = 0;
  s = TwoSteps(false, true, &calls, &end);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(end);
}

TEST(Macros, ReturnIfErrorEvaluatesExpressionOnce) {
  int calls = 0;
  auto f = [&]() -> Status {
    AP_RETURN_IF_ERROR(FailIf(false, &calls));
    return Status::OK();
  };
  EXPECT_TRUE(f().ok());
  EXPECT_EQ(calls, 1);
}

Result<int> Parse(int v) {
  if (v < 0) return Status::InvalidArgument("negative");
  return v * 2;
}

Result<int> SumOfParsed(int a, int b, bool* reached_end) {
  AP_ASSIGN_OR_RETURN(int x, Parse(a));
  AP_ASSIGN_OR_RETURN(int y, Parse(b));
  *reached_end = true;
  return x + y;
}

Status AssignIntoExisting(int v, int* out) {
  int tmp = -1;
  AP_ASSIGN_OR_RETURN(tmp, Parse(v));
  *out = tmp;
  return Status::OK();
}

TEST(Macros, AssignOrReturnBindsValues) {
  bool end = false;
  Result<int> r = SumOfParsed(1, 2, &end);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 6);
  EXPECT_TRUE(end);
}

TEST(Macros, AssignOrReturnPropagatesError) {
  bool end = false;
  Result<int> r = SumOfParsed(1, -2, &end);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "negative");
  EXPECT_FALSE(end);
}

TEST(Macros, AssignOrReturnIntoExistingVariableAndToStatus) {
  int out = 0;
  EXPECT_TRUE(AssignIntoExisting(21, &out).ok());
  EXPECT_EQ(out, 42);
  out = 0;
  Status s = AssignIntoExisting(-1, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out, 0);
}

Result<std::unique_ptr<int>> MakePtr(int v) { return std::make_unique<int>(v); }

Result<int> DerefMoveOnly(int v) {
  AP_ASSIGN_OR_RETURN(auto p, MakePtr(v));
  return *p + 1;
}

TEST(Macros, AssignOrReturnMovesMoveOnlyValues) {
  Result<int> r = DerefMoveOnly(9);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 10);
}

}  // namespace
}  // namespace agentperf
