#include "sim/chat_request.h"

#include <gtest/gtest.h>

#include "sim_testing.h"

namespace agentperf::sim {
namespace {

using testing::ChatBody;
using testing::Msg;

server::HttpRequest Http(std::string session = "ses_abc", std::string parent = "") {
  server::HttpRequest h;
  h.method = "POST";
  h.path = "/v1/chat/completions";
  if (!session.empty()) h.headers.emplace_back("x-session-affinity", session);
  if (!parent.empty()) h.headers.emplace_back("x-parent-session-id", parent);
  return h;
}

TEST(ChatRequestTest, ReadsWhatOpencodeSends) {
  const std::string body = ChatBody({{"system", "You are the PLANNER agent."},
                                     {"user", "Plan it"},
                                     {"assistant", "", 2},
                                     {"tool", "out1"},
                                     {"tool", "out2"}},
                                    testing::OpencodeTools());
  auto r = ParseChatRequest(body, Http("ses_x", "ses_parent"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->model, "sim-large");
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  ASSERT_EQ(r->messages.size(), 5u);
  EXPECT_EQ(r->messages[1].text, "Plan it");  // from the text-part array
  EXPECT_EQ(r->messages[2].tool_calls, 2);
  EXPECT_EQ(r->step, 1);
  EXPECT_EQ(r->turn, 1);
  EXPECT_EQ(r->SystemText(), "You are the PLANNER agent.");
  EXPECT_EQ(r->LastUserText(), "Plan it");
  EXPECT_EQ(r->tool_names.size(), 10u);
  EXPECT_TRUE(r->OffersTool("task"));
  EXPECT_FALSE(r->OffersTool("nope"));
  EXPECT_EQ(r->session_id, "ses_x");
  EXPECT_EQ(r->parent_session_id, "ses_parent");
}

TEST(ChatRequestTest, StepCountsAssistantMessagesSinceTheLastUserMessage) {
  auto step = [](const std::vector<Msg>& m) {
    auto r = ParseChatRequest(ChatBody(m, {"bash"}), Http());
    EXPECT_TRUE(r.ok());
    return std::make_pair(r->step, r->turn);
  };
  EXPECT_EQ(step({{"system", "s"}, {"user", "u"}}), std::make_pair(0, 1));
  EXPECT_EQ(step({{"system", "s"}, {"user", "u"}, {"assistant", "", 1}, {"tool", "t"}}), std::make_pair(1, 1));
  EXPECT_EQ(step({{"system", "s"},
                  {"user", "u"},
                  {"assistant", "", 1},
                  {"tool", "t"},
                  {"assistant", "", 1},
                  {"tool", "t"},
                  {"assistant", "done"},
                  {"user", "again"}}),
            std::make_pair(0, 2));
  // The title call: system, user, user.
  EXPECT_EQ(step({{"system", "title"}, {"user", "u"}, {"user", "u2"}}), std::make_pair(0, 2));
}

TEST(ChatRequestTest, PromptBytesIgnoreWhitespace) {
  const std::string compact = ChatBody({{"system", "s"}, {"user", "hello there"}}, {"bash", "read"});
  auto a = ParseChatRequest(compact, Http());
  ASSERT_TRUE(a.ok());
  // The same request pretty-printed.
  auto b = ParseChatRequest(PrettyJson(compact), Http());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->prompt_bytes, b->prompt_bytes);
  // Equal to the bytes of the two compact values, measured independently.
  const size_t m0 = compact.find("\"messages\":") + 11, m1 = compact.find(",\"tools\":");
  const size_t t0 = m1 + 9, t1 = compact.find(",\"stream\":");
  EXPECT_EQ(a->prompt_bytes, (m1 - m0) + (t1 - t0));
  // Without tools only the messages count.
  auto c = ParseChatRequest(ChatBody({{"system", "s"}, {"user", "hello there"}}, {}), Http());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->prompt_bytes, m1 - m0);
  EXPECT_FALSE(c->has_tools());
}

TEST(ChatRequestTest, WithoutASessionHeaderTheFirstUserMessageNamesTheSession) {
  auto a = ParseChatRequest(ChatBody({{"user", "one"}}, {}), Http(""));
  auto b = ParseChatRequest(ChatBody({{"user", "one"}, {"assistant", "x"}, {"user", "two"}}, {}), Http(""));
  auto c = ParseChatRequest(ChatBody({{"user", "other"}}, {}), Http(""));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->session_id.rfind("anon-", 0), 0u);
  EXPECT_EQ(a->session_id, b->session_id);
  EXPECT_NE(a->session_id, c->session_id);
}

TEST(ChatRequestTest, RejectsBodiesThatAreNotChatRequests) {
  for (const char* body : {"", "nope", "[]", R"({"model":"m"})", R"({"messages":{}})", R"({"messages":[1]})",
                           R"({"messages":[{"content":"x"}]})"}) {
    auto r = ParseChatRequest(body, Http());
    EXPECT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
  }
}

}  // namespace
}  // namespace agentperf::sim
