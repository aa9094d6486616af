// The Docker client against the real daemon. Needs no registry: the test imports a one-file image holding the
// static helper static_echo (see CMakeLists.txt) under a tag unique to this process, and removes it at the
// end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "docker/client.h"
#include "docker/tar.h"

namespace hardend::docker {
namespace {

using Json = nlohmann::json;
constexpr const char* kTestLabel = "io.hardend.test";
constexpr const char* kImageRepo = "hardend-test/static-echo";
constexpr const char* kEcho = "/bin/static-echo";

std::string unique_suffix() {
  std::random_device random;
  return std::to_string(::getpid()) + "-" + std::to_string(random() % 100000);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Removes everything a test created, even when an assertion failed half-way: containers, then networks, then
// images.
class Cleanup {
 public:
  explicit Cleanup(Client& client) : client_(client) {}
  ~Cleanup() {
    for (const auto& id : containers_)
      report(client_.remove_container(id, /*force=*/true), "container " + id);
    for (const auto& name : networks_) report(client_.remove_network(name), "network " + name);
    for (const auto& ref : images_) report(client_.remove_image(ref, /*force=*/true), "image " + ref);
  }
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  void container(const std::string& id) { containers_.push_back(id); }
  void network(const std::string& name) { networks_.push_back(name); }
  void image(const std::string& ref) { images_.push_back(ref); }

 private:
  static void report(const Status& status, const std::string& what) {
    if (!status.ok() && !is_not_found(status.error()))
      ADD_FAILURE() << "cleanup of " << what << " failed: " << status.error().message;
  }
  Client& client_;
  std::vector<std::string> containers_;
  std::vector<std::string> networks_;
  std::vector<std::string> images_;
};

struct Output {
  std::string out;
  std::string err;
};

Result<Output> read_all(AttachedStream& stream) {
  Output output;
  while (true) {
    auto frame = stream.read_frame();
    if (!frame) return frame.take_error();
    if (!frame->has_value()) return output;
    ((*frame)->stream == StreamId::Stderr ? output.err : output.out) += (*frame)->payload;
  }
}

class DockerClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto endpoint = Endpoint::from_environment();
    if (!endpoint) {
      suite_error_ = endpoint.error().message;
      return;
    }
    client_ = new Client(*endpoint);
    if (auto version = client_->negotiate(); !version) {
      daemon_missing_ = version.error().message;
      return;
    }
    image_ = std::string(kImageRepo) + ":" + tag_;
    if (auto imported = import_test_image(); !imported) suite_error_ = imported.error().message;
  }

  static void TearDownTestSuite() {
    if (client_ != nullptr && !image_.empty()) {
      auto removed = client_->remove_image(image_, /*force=*/true);
      if (!removed.ok() && !is_not_found(removed.error()))
        std::cerr << "could not remove " << image_ << ": " << removed.error().message << "\n";
    }
    delete client_;
    client_ = nullptr;
  }

  static Status import_test_image() {
    std::string binary = read_file(HARDEND_STATIC_ECHO);
    if (binary.empty()) return make_error(std::string("cannot read ") + HARDEND_STATIC_ECHO);
    auto rootfs = make_tar({{"bin/", "", 0755, true},
                            {"bin/static-echo", binary, 0755},
                            {"data/", "", 0755, true},
                            {"tmp/", "", 01777, true}});
    if (!rootfs) return rootfs.take_error();
    std::string tar_path = std::filesystem::temp_directory_path() / ("hardend-static-echo-" + tag_ + ".tar");
    std::ofstream(tar_path, std::ios::binary) << *rootfs;
    Status imported = client_->import_image(tar_path, kImageRepo, tag_);
    std::filesystem::remove(tar_path);
    return imported;
  }

  void SetUp() override {
    if (!daemon_missing_.empty()) {
      if (std::getenv("CI") != nullptr) FAIL() << "CI needs the Docker daemon: " << daemon_missing_;
      GTEST_SKIP() << "no Docker daemon answers (" << daemon_missing_
                   << "); set DOCKER_HOST or start dockerd";
    }
    ASSERT_TRUE(suite_error_.empty()) << suite_error_;
    cleanup_ = std::make_unique<Cleanup>(*client_);
  }

  void TearDown() override { cleanup_.reset(); }

  Json container_body(std::vector<std::string> cmd, bool open_stdin = false) {
    Json labels = {{kTestLabel, "1"}, {"io.hardend.test.run", tag_}};
    Json body = {{"Image", image_},      {"Cmd", cmd},           {"Labels", labels},
                 {"AttachStdout", true}, {"AttachStderr", true}, {"HostConfig", {{"NetworkMode", "none"}}}};
    if (open_stdin) {
      body["OpenStdin"] = true;
      body["StdinOnce"] = true;
      body["AttachStdin"] = true;
    }
    return body;
  }

  std::string create(const Json& body) {
    auto id = client_->create_container(body, "hardend-test-" + tag_ + "-" + std::to_string(++counter_));
    EXPECT_TRUE(id.ok()) << id.error().message;
    if (!id.ok()) return {};
    cleanup_->container(*id);
    return *id;
  }

  static inline Client* client_ = nullptr;
  static inline std::string daemon_missing_;
  static inline std::string suite_error_;
  static inline std::string tag_ = unique_suffix();
  static inline std::string image_;
  static inline int counter_ = 0;
  std::unique_ptr<Cleanup> cleanup_;
};

TEST_F(DockerClientTest, NegotiatesApiVersionAndReportsVersion) {
  auto negotiated = client_->negotiate();
  ASSERT_TRUE(negotiated.ok()) << negotiated.error().message;
  EXPECT_LE(compare_api_versions(*negotiated, Client::kMaxApiVersion), 0);
  auto version = client_->version();
  ASSERT_TRUE(version.ok()) << version.error().message;
  std::string server_api = version->value("ApiVersion", "");
  ASSERT_FALSE(server_api.empty());
  std::string expected = compare_api_versions(server_api, "1.41") < 0 ? server_api : "1.41";
  EXPECT_EQ(*negotiated, expected);
}

TEST_F(DockerClientTest, InfoReportsSwapLimitSupport) {
  auto info = client_->info();
  ASSERT_TRUE(info.ok()) << info.error().message;
  ASSERT_TRUE(info->contains("SwapLimit"));
  EXPECT_TRUE((*info)["SwapLimit"].is_boolean());
}

TEST_F(DockerClientTest, MissingImageGivesAClear404) {
  std::string missing = "hardend-test/does-not-exist:" + tag_;
  auto image = client_->inspect_image(missing);
  ASSERT_FALSE(image.ok());
  EXPECT_TRUE(is_not_found(image.error()));
  EXPECT_EQ(image.error().message.rfind("GET /images/" + missing + "/json: 404 Not Found: ", 0), 0u)
      << image.error().message;
  EXPECT_NE(image.error().message.find("No such image: " + missing), std::string::npos)
      << image.error().message;

  auto id = client_->create_container({{"Image", missing}, {"Labels", {{kTestLabel, "1"}}}});
  if (id.ok()) cleanup_->container(*id);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().message, "POST /containers/create: 404 Not Found: No such image: " + missing);
}

TEST_F(DockerClientTest, ImportedImageCanBeInspectedTaggedAndRemoved) {
  auto image = client_->inspect_image(image_);
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_EQ(image->value("Os", ""), "linux");
  std::string alias_tag = tag_ + "-alias";
  ASSERT_TRUE(client_->tag_image(image_, kImageRepo, alias_tag).ok());
  std::string alias = std::string(kImageRepo) + ":" + alias_tag;
  cleanup_->image(alias);
  auto aliased = client_->inspect_image(alias);
  ASSERT_TRUE(aliased.ok()) << aliased.error().message;
  EXPECT_EQ(aliased->value("Id", "a"), image->value("Id", "b"));
  ASSERT_TRUE(client_->remove_image(alias).ok());
  EXPECT_FALSE(client_->inspect_image(alias).ok());
}

TEST_F(DockerClientTest, ImportOfAnInvalidTarFails) {
  std::string path = std::filesystem::temp_directory_path() / ("hardend-bad-" + tag_ + ".tar");
  std::ofstream(path) << std::string(2048, 'x');
  Status imported = client_->import_image(path, kImageRepo, tag_ + "-bad");
  std::filesystem::remove(path);
  cleanup_->image(std::string(kImageRepo) + ":" + tag_ + "-bad");
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.error().message.rfind("POST /images/create: ", 0), 0u) << imported.error().message;
}

// create -> put_archive -> attach (with stdin) -> start -> stream -> wait -> inspect -> list -> remove.
TEST_F(DockerClientTest, ContainerLifecycleWithStdinAndSeparatedStreams) {
  std::string id = create(container_body({kEcho, "echo", "7"}, /*open_stdin=*/true));
  ASSERT_FALSE(id.empty());

  auto stream = client_->attach_container(id, /*with_stdin=*/true);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_TRUE(client_->start_container(id).ok());
  ASSERT_TRUE(client_->start_container(id).ok()) << "a second start (304) is fine";
  ASSERT_TRUE((*stream)->write_stdin("hello\nworld\n").ok());
  ASSERT_TRUE((*stream)->close_stdin().ok());
  auto output = read_all(**stream);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_EQ(output->out, "hello\nworld\n");
  EXPECT_EQ(output->err, "stdin closed\n");

  auto exit = client_->wait_container(id);
  ASSERT_TRUE(exit.ok()) << exit.error().message;
  EXPECT_EQ(exit->status_code, 7);
  EXPECT_EQ(exit->error, "");

  auto inspected = client_->inspect_container(id);
  ASSERT_TRUE(inspected.ok()) << inspected.error().message;
  EXPECT_EQ(inspected->value("/State/ExitCode"_json_pointer, -1), 7);
  EXPECT_EQ(inspected->value("/Config/Labels/io.hardend.test"_json_pointer, ""), "1");

  auto listed = client_->list_containers({std::string(kTestLabel) + "=1", "io.hardend.test.run=" + tag_});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  bool found = false;
  for (const auto& container : *listed) found = found || container.value("Id", "") == id;
  EXPECT_TRUE(found) << listed->dump();
  auto others = client_->list_containers({"io.hardend.test.run=nobody-" + tag_});
  ASSERT_TRUE(others.ok());
  EXPECT_TRUE(others->empty());

  ASSERT_TRUE(client_->remove_container(id).ok());
  auto again = client_->remove_container(id);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(is_not_found(again.error())) << again.error().message;
}

TEST_F(DockerClientTest, StdoutAndStderrFramesStaySeparate) {
  std::string big_out(100000, 'o');
  std::string id = create(container_body({kEcho, "print", big_out + "\nend-out\n", "err-line\n", "3"}));
  ASSERT_FALSE(id.empty());
  auto stream = client_->attach_container(id, /*with_stdin=*/false);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_TRUE(client_->start_container(id).ok());
  auto output = read_all(**stream);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_EQ(output->out, big_out + "\nend-out\n");
  EXPECT_EQ(output->err, "err-line\n");
  auto exit = client_->wait_container(id);
  ASSERT_TRUE(exit.ok()) << exit.error().message;
  EXPECT_EQ(exit->status_code, 3);
  // A container that already exited: "not-running" answers at once.
  auto again = client_->wait_container(id);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->status_code, 3);
}

TEST_F(DockerClientTest, TtyContainerGivesARawStream) {
  Json body = container_body({kEcho, "print", "tty-out\n", "tty-err\n", "0"});
  body["Tty"] = true;
  std::string id = create(body);
  ASSERT_FALSE(id.empty());
  auto stream = client_->attach_container(id, /*with_stdin=*/false);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_TRUE(client_->start_container(id).ok());
  auto output = read_all(**stream);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_NE(output->out.find("tty-out"), std::string::npos) << output->out;
  EXPECT_NE(output->out.find("tty-err"), std::string::npos) << "a TTY merges stderr into the one stream";
  EXPECT_EQ(output->err, "");
}

TEST_F(DockerClientTest, PutArchiveBeforeStart) {
  std::string id = create(container_body({kEcho, "cat", "/data/greeting.txt"}));
  ASSERT_FALSE(id.empty());
  auto tar = make_tar({{"greeting.txt", "copied before start\n", 0644}});
  ASSERT_TRUE(tar.ok());
  ASSERT_TRUE(client_->put_archive(id, "/data", *tar).ok());
  auto missing_dir = client_->put_archive(id, "/no/such/dir", *tar);
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.error().message.rfind("PUT /containers/" + id + "/archive: 404 Not Found", 0), 0u)
      << missing_dir.error().message;

  auto stream = client_->attach_container(id, /*with_stdin=*/false);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_TRUE(client_->start_container(id).ok());
  auto output = read_all(**stream);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_EQ(output->out, "copied before start\n");
  EXPECT_EQ(output->err, "");
  auto exit = client_->wait_container(id);
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->status_code, 0);
}

TEST_F(DockerClientTest, ExecThenKill) {
  std::string id = create(container_body({kEcho, "sleep"}));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(client_->start_container(id).ok());

  auto exec = client_->create_exec(id, {{"Cmd", {kEcho, "print", "exec-out\n", "exec-err\n", "5"}},
                                        {"AttachStdout", true},
                                        {"AttachStderr", true}});
  ASSERT_TRUE(exec.ok()) << exec.error().message;
  auto stream = client_->start_exec(*exec);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  auto output = read_all(**stream);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_EQ(output->out, "exec-out\n");
  EXPECT_EQ(output->err, "exec-err\n");
  // The stream ends when the process exits; the daemon may record the exit code a moment later.
  Json state;
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto inspected = client_->inspect_exec(*exec);
    ASSERT_TRUE(inspected.ok()) << inspected.error().message;
    state = *inspected;
    if (!state.value("Running", true)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(state.value("Running", true));
  EXPECT_EQ(state.value("ExitCode", -1), 5);

  ASSERT_TRUE(client_->kill_container(id).ok());
  auto exit = client_->wait_container(id);
  ASSERT_TRUE(exit.ok()) << exit.error().message;
  EXPECT_EQ(exit->status_code, 137);
  auto again = client_->kill_container(id);
  EXPECT_TRUE(again.ok()) << "killing a stopped container is fine: " << again.error().message;

  auto late_exec = client_->create_exec(id, {{"Cmd", {kEcho, "sleep"}}});
  ASSERT_FALSE(late_exec.ok());
  EXPECT_EQ(late_exec.error().message.rfind("POST /containers/" + id + "/exec: 409 Conflict", 0), 0u)
      << late_exec.error().message;
}

TEST_F(DockerClientTest, CancelUnblocksAnAttachedReader) {
  std::string id = create(container_body({kEcho, "sleep"}));
  ASSERT_FALSE(id.empty());
  auto stream = client_->attach_container(id, /*with_stdin=*/false);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_TRUE(client_->start_container(id).ok());
  std::thread reader([&] { (void)read_all(**stream); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  (*stream)->cancel();
  reader.join();  // hangs (and the ctest timeout fails the test) if cancel() does not unblock the read
}

// The idle-container check of the warm pools: an attached stream is silent while its container runs and
// writes nothing, and stops being silent when output arrives or when the container (or the daemon's end) goes
// away.
TEST_F(DockerClientTest, AttachedStreamIsSilentOnlyWhileNothingArrives) {
  auto eventually_loud = [](docker::AttachedStream& stream) {
    for (int i = 0; i < 200; ++i) {
      if (!stream.silent()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  std::string id = create(container_body({kEcho, "echo", "0"}, /*open_stdin=*/true));
  ASSERT_FALSE(id.empty());
  auto stream = client_->attach_container(id, /*with_stdin=*/true);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  ASSERT_TRUE(client_->start_container(id).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE((*stream)->silent()) << "a running container that wrote nothing";

  ASSERT_TRUE((*stream)->write_stdin("late output\n").ok());
  EXPECT_TRUE(eventually_loud(**stream)) << "output arrived while idle";
  auto frame = (*stream)->read_frame();
  ASSERT_TRUE(frame.ok() && frame->has_value()) << (frame.ok() ? "end of stream" : frame.error().message);
  EXPECT_EQ((*frame)->payload, "late output\n");
  EXPECT_TRUE((*stream)->silent()) << "everything read, the container still running";

  ASSERT_TRUE(client_->kill_container(id).ok());
  EXPECT_TRUE(eventually_loud(**stream)) << "the container was killed: the stream's end waits to be read";
}

TEST_F(DockerClientTest, NetworkCreateInspectRemove) {
  std::string name = "hardend-test-" + tag_;
  std::string bridge = "hdt" + tag_.substr(0, 12);  // interface names are at most 15 characters
  for (auto& c : bridge)
    if (c == '-') c = 'x';
  auto id = client_->create_network({{"Name", name},
                                     {"Driver", "bridge"},
                                     {"CheckDuplicate", true},
                                     {"Internal", true},
                                     {"Labels", {{kTestLabel, "1"}}},
                                     {"Options", {{"com.docker.network.bridge.name", bridge}}}});
  ASSERT_TRUE(id.ok()) << id.error().message;
  cleanup_->network(name);

  auto inspected = client_->inspect_network(name);
  ASSERT_TRUE(inspected.ok()) << inspected.error().message;
  EXPECT_EQ(inspected->value("Id", ""), *id);
  EXPECT_EQ(inspected->value("/Options/com.docker.network.bridge.name"_json_pointer, ""), bridge);
  EXPECT_EQ(inspected->value("/Labels/io.hardend.test"_json_pointer, ""), "1");

  auto listed = client_->list_networks();
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  bool found = false;
  for (const auto& network : *listed) found = found || network.value("Name", "") == name;
  EXPECT_TRUE(found);

  ASSERT_TRUE(client_->remove_network(name).ok());
  auto gone = client_->inspect_network(name);
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(is_not_found(gone.error()));
  EXPECT_NE(gone.error().message.find("no such network"), std::string::npos) << gone.error().message;
}

TEST_F(DockerClientTest, StoppedDaemonGivesAClearError) {
  Endpoint nowhere;
  nowhere.path = "/tmp/hardend-no-daemon-" + tag_ + ".sock";
  Client offline(nowhere);
  auto info = offline.info();
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().message, "cannot connect to the Docker daemon at unix://" + nowhere.path +
                                      ": No such file or directory (is dockerd running?)");
}

}  // namespace
}  // namespace hardend::docker
