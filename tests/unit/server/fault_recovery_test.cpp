// Fault handling of the daemon (issue 7, requirement 4): the backoff while the container runtime is missing
// at start, and which idle warm containers may serve a run (one whose health is in doubt never does).
#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "server/daemon.h"
#include "server/warm_pool.h"

namespace hardend::server {
namespace {

using nlohmann::json;
using std::chrono::seconds;

TEST(RuntimeRetryDelay, StartsAtOneSecondAndDoubles) {
  EXPECT_EQ(runtime_retry_delay(1), seconds(1));
  EXPECT_EQ(runtime_retry_delay(2), seconds(2));
  EXPECT_EQ(runtime_retry_delay(3), seconds(4));
  EXPECT_EQ(runtime_retry_delay(4), seconds(8));
}

TEST(RuntimeRetryDelay, IsCappedAtFifteenSecondsForever) {
  EXPECT_EQ(runtime_retry_delay(5), seconds(15));
  EXPECT_EQ(runtime_retry_delay(6), seconds(15));
  EXPECT_EQ(runtime_retry_delay(1000), seconds(15));
  EXPECT_EQ(runtime_retry_delay(std::numeric_limits<int>::max()), seconds(15));
}

TEST(RuntimeRetryDelay, NonsenseAttemptsWaitTheMinimum) {
  EXPECT_EQ(runtime_retry_delay(0), seconds(1));
  EXPECT_EQ(runtime_retry_delay(-3), seconds(1));
}

TEST(IdleContainerAlive, ItsMemoryCgroupIsEnoughWithoutAskingTheRuntime) {
  EXPECT_TRUE(idle_container_alive(true, nullptr));
}

TEST(IdleContainerAlive, NoCgroupAndNotAskedIsInDoubt) {
  EXPECT_FALSE(idle_container_alive(false, nullptr));
}

TEST(IdleContainerAlive, TheRuntimeSaysRunning) {
  Result<json> inspected = json{{"State", {{"Running", true}, {"Restarting", false}, {"Paused", false}}}};
  EXPECT_TRUE(idle_container_alive(false, &inspected));
}

TEST(IdleContainerAlive, ExitedKilledFromOutside) {
  Result<json> inspected = json{{"State", {{"Running", false}, {"Status", "exited"}, {"ExitCode", 137}}}};
  EXPECT_FALSE(idle_container_alive(false, &inspected));
}

TEST(IdleContainerAlive, RestartingOrPausedIsInDoubt) {
  Result<json> restarting = json{{"State", {{"Running", true}, {"Restarting", true}}}};
  Result<json> paused = json{{"State", {{"Running", true}, {"Paused", true}}}};
  EXPECT_FALSE(idle_container_alive(false, &restarting));
  EXPECT_FALSE(idle_container_alive(false, &paused));
}

TEST(IdleContainerAlive, GoneOrRuntimeUnreachableIsInDoubt) {
  Result<json> gone = Error{"GET /containers/abc/json: 404 Not Found: no such container"};
  Result<json> unreachable = Error{"cannot connect to the Docker daemon at unix:///var/run/docker.sock"};
  EXPECT_FALSE(idle_container_alive(false, &gone));
  EXPECT_FALSE(idle_container_alive(false, &unreachable));
}

TEST(IdleContainerAlive, AMalformedRecordIsInDoubt) {
  Result<json> no_state = json::object();
  Result<json> odd_state = json{{"State", "running"}};
  EXPECT_FALSE(idle_container_alive(false, &no_state));
  EXPECT_FALSE(idle_container_alive(false, &odd_state));
}

}  // namespace
}  // namespace hardend::server
