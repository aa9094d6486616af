// Async runs: states, results, retention by count and by age, unguessable ids; query strings of request targets.
#include <gtest/gtest.h>

#include <set>

#include "server/api.h"
#include "server/run_store.h"

namespace hardend::server {
namespace {

TEST(RunStore, QueuedRunningDoneWithTheSynchronousAnswer) {
  RunStore store;
  std::string id = store.add();
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(store.find(id)->state, AsyncState::queued);
  store.mark_running(id);
  EXPECT_EQ(async_run_json(*store.find(id))["status"], "running");
  EXPECT_FALSE(async_run_json(*store.find(id)).contains("result"));
  store.finish(id, HttpAnswer{200, "{\"exit_code\": 0}\n"});
  auto done = async_run_json(*store.find(id));
  EXPECT_EQ(done["status"], "done");
  EXPECT_EQ(done["http_status"], 200);
  EXPECT_EQ(done["result"]["exit_code"], 0);
  EXPECT_FALSE(store.find("0123456789abcdef0123456789abcdef").has_value());
}

TEST(RunStore, AnErrorAnswerIsKeptWithItsStatus) {
  RunStore store;
  std::string id = store.add();
  store.finish(id, error_answer(502, "could not get a container"));
  auto done = async_run_json(*store.find(id));
  EXPECT_EQ(done["http_status"], 502);
  EXPECT_EQ(done["result"]["error"], "could not get a container");
}

TEST(RunStore, OldestFinishedRunsGoFirstWhenTheCountIsReached) {
  RunStore store(RunStore::Limits{2, std::chrono::seconds(600)});
  std::string first = store.add(), second = store.add(), third = store.add(), unfinished = store.add();
  store.finish(first, HttpAnswer{200, "{}"});
  store.finish(second, HttpAnswer{200, "{}"});
  store.finish(third, HttpAnswer{200, "{}"});
  EXPECT_FALSE(store.find(first).has_value());
  EXPECT_TRUE(store.find(second).has_value());
  EXPECT_TRUE(store.find(third).has_value());
  EXPECT_TRUE(store.find(unfinished).has_value());  // never evicted while it may still finish
  EXPECT_EQ(store.size(), 3u);
}

TEST(RunStore, FinishedRunsExpireAfterTheRetention) {
  RunStore store(RunStore::Limits{1000, std::chrono::seconds(600)});
  auto now = RunStore::Clock::now();
  store.set_clock_for_test([&now] { return now; });
  std::string id = store.add(), running = store.add();
  store.mark_running(running);
  store.finish(id, HttpAnswer{200, "{}"});
  now += std::chrono::seconds(599);
  EXPECT_TRUE(store.find(id).has_value());
  now += std::chrono::seconds(1);
  EXPECT_FALSE(store.find(id).has_value());
  EXPECT_EQ(store.find(running)->state, AsyncState::running);
}

TEST(RunStore, IdsAreDistinctAndHex) {
  RunStore store;
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.insert(store.add());
  EXPECT_EQ(ids.size(), 200u);
  for (const auto& id : ids) EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
}

TEST(QueryString, ValuesAndFlags) {
  EXPECT_EQ(query_value("/v1/runs?async=1", "async"), "1");
  EXPECT_EQ(query_value("/v1/runs?x=2&async=true", "async"), "true");
  EXPECT_EQ(query_value("/v1/runs?async", "async"), "1");
  EXPECT_EQ(query_value("/v1/runs?asyncx=1", "async"), "");
  EXPECT_EQ(query_value("/v1/runs", "async"), "");
  EXPECT_EQ(query_value("/v1/runs?a=%41%42", "a"), "AB");
  EXPECT_TRUE(query_flag("/v1/runs?async=YES", "async"));
  EXPECT_FALSE(query_flag("/v1/runs?async=0", "async"));
  EXPECT_FALSE(query_flag("/v1/runs?async=false", "async"));
}

}  // namespace
}  // namespace hardend::server
