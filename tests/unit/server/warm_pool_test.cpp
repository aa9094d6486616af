// The warm pool's deferred upkeep (container removals and refills wait for a quiet moment): when it is due.
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

}  // namespace
}  // namespace hardend::server
