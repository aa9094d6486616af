// The warm pool's deferred upkeep (container removals and refills wait for a quiet moment): when it is due;
// and which idle container a run gets.
#include "server/warm_pool.h"

#include <gtest/gtest.h>

namespace hardend::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

UpkeepFacts busy_pool(Clock::time_point now) {
  UpkeepFacts facts;
  facts.now = now;
  facts.last_activity = now - milliseconds(1);
  facts.requested = now - milliseconds(1);
  facts.busy = 1;
  facts.idle_or_starting = 8;
  facts.low_water = 16;
  facts.refill_wanted = true;
  return facts;
}

TEST(WarmPoolUpkeep, WaitsWhileRunsAreInFlight) {
  EXPECT_FALSE(upkeep_due(busy_pool(Clock::now())));
}

TEST(WarmPoolUpkeep, RunsOnceThePoolIsQuiet) {
  auto facts = busy_pool(Clock::now());
  facts.busy = 0;
  EXPECT_FALSE(upkeep_due(facts)) << "a run just ended: the next one may follow at once";
  facts.last_activity = facts.now - kQuietPeriod;
  EXPECT_TRUE(upkeep_due(facts));
}

TEST(WarmPoolUpkeep, NeverWaitsLongerThanTheMaximum) {
  auto facts = busy_pool(Clock::now());
  facts.requested = facts.now - kMaxDeferral + milliseconds(1);
  EXPECT_FALSE(upkeep_due(facts));
  facts.requested = facts.now - kMaxDeferral;
  EXPECT_TRUE(upkeep_due(facts));
}

TEST(WarmPoolUpkeep, RefillsAtOnceWhenThePoolRunsDry) {
  auto facts = busy_pool(Clock::now());
  facts.idle_or_starting = 0;
  EXPECT_TRUE(upkeep_due(facts));
  facts.refill_wanted = false;  // only removals are waiting: they can wait for the quiet moment
  EXPECT_FALSE(upkeep_due(facts));
  facts.refill_wanted = true;
  facts.low_water = 0;  // nothing is to be kept warm: an empty pool is not dry
  EXPECT_FALSE(upkeep_due(facts));
}

TEST(WarmPoolUpkeep, ARetiredPoolCleansUpAtOnce) {
  auto facts = busy_pool(Clock::now());
  facts.retired = true;
  EXPECT_TRUE(upkeep_due(facts));
}

// Idle containers are listed least recently used first.
TEST(WarmPoolChoice, TheMostRecentlyUsedSettledContainer) {
  auto now = Clock::now();
  std::vector<Clock::time_point> last_used{now - milliseconds(900), now - milliseconds(50),
                                           now - milliseconds(20)};
  EXPECT_EQ(choose_idle(last_used, now), 2u) << "the warmest one that is ready";
  last_used.push_back(now - milliseconds(1));
  EXPECT_EQ(choose_idle(last_used, now), 2u) << "not the one whose executor is still preparing its next run";
  last_used.back() = now - kSettleTime;
  EXPECT_EQ(choose_idle(last_used, now), 3u);
}

TEST(WarmPoolChoice, NoneSettledMeansTheOneIdleLongest) {
  auto now = Clock::now();
  EXPECT_EQ(choose_idle({now - milliseconds(3), now - milliseconds(2), now - milliseconds(1)}, now), 0u);
  EXPECT_EQ(choose_idle({now}, now), 0u);
}

}  // namespace
}  // namespace hardend::server
