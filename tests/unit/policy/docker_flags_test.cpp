#include "policy/docker_flags.h"

#include <gtest/gtest.h>

#include <functional>
#include <sstream>

namespace hardend::policy {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

std::string describe(const DockerRunOptions& o) {
  std::ostringstream out;
  auto opt = [&](const char* name, const auto& v) {
    if (v) out << name << "=" << *v << " ";
  };
  auto list = [&](const char* name, const std::vector<std::string>& v) {
    for (const auto& item : v) out << name << "=" << item << " ";
  };
  opt("memory", o.memory);
  opt("memory_swap", o.memory_swap);
  opt("cpus", o.cpus);
  opt("pids_limit", o.pids_limit);
  for (const auto& u : o.ulimits) out << "ulimit=" << u.name << "=" << u.soft << ":" << u.hard << " ";
  opt("user", o.user);
  opt("network", o.network);
  opt("read_only", o.read_only);
  list("cap_drop", o.cap_drop);
  list("cap_add", o.cap_add);
  list("security_opt", o.security_opt);
  for (const auto& t : o.tmpfs) out << "tmpfs=" << t.path << ":" << t.options << " ";
  list("env", o.env);
  for (const auto& [k, v] : o.labels) out << "label=" << k << "=" << v << " ";
  opt("shm_size", o.shm_size);
  opt("stop_timeout", o.stop_timeout);
  opt("privileged", o.privileged);
  list("host_ns", o.host_namespaces);
  list("device", o.devices);
  list("bind", o.binds);
  list("allowed_unsafe", o.allowed_unsafe);
  return out.str();
}

struct FlagCase {
  const char* name;
  std::string input;
  std::function<void(DockerRunOptions&)> expect;  // fills in what the input should set
};

std::string case_name(const ::testing::TestParamInfo<FlagCase>& info) {
  return info.param.name;
}

class ValidFlags : public ::testing::TestWithParam<FlagCase> {};

TEST_P(ValidFlags, MapOntoOptions) {
  const FlagCase& c = GetParam();
  DockerRunOptions expected;
  c.expect(expected);
  auto parsed = parse_docker_run_options(c.input);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(*parsed == expected) << "input:    " << c.input << "\nparsed:   " << describe(*parsed)
                                   << "\nexpected: " << describe(expected);
}

INSTANTIATE_TEST_SUITE_P(
    Policy, ValidFlags,
    ::testing::Values(
        // The hardening guide's examples.
        FlagCase{"GuideGeneral", "--pids-limit=256##--ulimit=nofile=1024:8192",
                 [](DockerRunOptions& o) {
                   o.pids_limit = 256;
                   o.ulimits = {{"nofile", 1024, 8192}};
                 }},
        FlagCase{"GuideDemistoDl", "--memory=2g##--ulimit=nofile=1024:8192##--pids-limit=256",
                 [](DockerRunOptions& o) {
                   o.memory = 2 * kGiB;
                   o.ulimits = {{"nofile", 1024, 8192}};
                   o.pids_limit = 256;
                 }},
        FlagCase{"GuideNoSwapLimit", "--memory=1g##--memory-swap=-1",
                 [](DockerRunOptions& o) {
                   o.memory = kGiB;
                   o.memory_swap = -1;
                 }},
        FlagCase{"GuideAwsMetadata", "--network=aws-metadata",
                 [](DockerRunOptions& o) { o.network = "aws-metadata"; }},
        FlagCase{"GuideExternal", "--network=external", [](DockerRunOptions& o) { o.network = "external"; }},
        FlagCase{"GuidePidsOnly", "--pids-limit=256", [](DockerRunOptions& o) { o.pids_limit = 256; }},
        // Every form of a value flag.
        FlagCase{"SpaceInsidePiece", "--memory 2g", [](DockerRunOptions& o) { o.memory = 2 * kGiB; }},
        FlagCase{"ValueInNextPiece", "--memory##2g##--cpus##2",
                 [](DockerRunOptions& o) {
                   o.memory = 2 * kGiB;
                   o.cpus = 2.0;
                 }},
        FlagCase{"ShortSpace", "-m 512m", [](DockerRunOptions& o) { o.memory = 512 * kMiB; }},
        FlagCase{"ShortEquals", "-m=512m", [](DockerRunOptions& o) { o.memory = 512 * kMiB; }},
        FlagCase{"ShortAttached", "-m512m", [](DockerRunOptions& o) { o.memory = 512 * kMiB; }},
        FlagCase{"ShortNextPiece", "-m##1.5g", [](DockerRunOptions& o) { o.memory = 1536 * kMiB; }},
        FlagCase{"SwapNextPieceNegative", "--memory=1g##--memory-swap##-1",
                 [](DockerRunOptions& o) {
                   o.memory = kGiB;
                   o.memory_swap = -1;
                 }},
        FlagCase{"SwapSize", "--memory-swap=2G", [](DockerRunOptions& o) { o.memory_swap = 2 * kGiB; }},
        FlagCase{"FractionalCpus", "--cpus=1.5", [](DockerRunOptions& o) { o.cpus = 1.5; }},
        FlagCase{"PidsUnlimitedMinusOne", "--pids-limit=-1", [](DockerRunOptions& o) { o.pids_limit = -1; }},
        FlagCase{"PidsUnlimitedZero", "--pids-limit 0", [](DockerRunOptions& o) { o.pids_limit = -1; }},
        FlagCase{"UlimitHardDefaultsToSoft", "--ulimit=nproc=64",
                 [](DockerRunOptions& o) {
                   o.ulimits = {{"nproc", 64, 64}};
                 }},
        FlagCase{"UlimitRepeatedSameNameLastWins",
                 "--ulimit nofile=1024:8192##--ulimit=nproc=32##--ulimit=nofile=2048",
                 [](DockerRunOptions& o) {
                   o.ulimits = {{"nproc", 32, 32}, {"nofile", 2048, 2048}};
                 }},
        FlagCase{"UlimitUnlimitedHard", "--ulimit=core=0:-1",
                 [](DockerRunOptions& o) {
                   o.ulimits = {{"core", 0, -1}};
                 }},
        FlagCase{"UserLong", "--user=4000:4000", [](DockerRunOptions& o) { o.user = "4000:4000"; }},
        FlagCase{"UserShortNextPiece", "-u##nobody", [](DockerRunOptions& o) { o.user = "nobody"; }},
        FlagCase{"NetAlias", "--net=none", [](DockerRunOptions& o) { o.network = "none"; }},
        FlagCase{"ReadOnlyBare", "--read-only", [](DockerRunOptions& o) { o.read_only = true; }},
        FlagCase{"ReadOnlyFalse", "--read-only=false", [](DockerRunOptions& o) { o.read_only = false; }},
        FlagCase{"ReadOnlyDoesNotEatNextPiece", "--read-only##--cpus=1",
                 [](DockerRunOptions& o) {
                   o.read_only = true;
                   o.cpus = 1.0;
                 }},
        FlagCase{"CapsNormalized",
                 "--cap-drop=all##--cap-add=cap_net_bind_service##--cap-add NET_RAW##--cap-add=CHOWN",
                 [](DockerRunOptions& o) {
                   o.cap_drop = {"ALL"};
                   o.cap_add = {"NET_BIND_SERVICE", "NET_RAW", "CHOWN"};
                 }},
        FlagCase{"SecurityOpts",
                 "--security-opt=no-new-privileges:true##--security-opt apparmor=docker-default",
                 [](DockerRunOptions& o) {
                   o.security_opt = {"no-new-privileges", "apparmor=docker-default"};
                 }},
        FlagCase{"SecurityOptLabel", "--security-opt=label=type:svirt_sandbox_t",
                 [](DockerRunOptions& o) { o.security_opt = {"label=type:svirt_sandbox_t"}; }},
        FlagCase{"Tmpfs", "--tmpfs=/run:rw,size=16m##--tmpfs /scratch",
                 [](DockerRunOptions& o) {
                   o.tmpfs = {{"/run", "rw,size=16m"}, {"/scratch", ""}};
                 }},
        FlagCase{"MountTmpfs", "--mount type=tmpfs,target=/work,tmpfs-size=1m",
                 [](DockerRunOptions& o) {
                   o.tmpfs = {{"/work", "size=1m"}};
                 }},
        FlagCase{"EnvForms", "-e A=1##--env B=x y##--env=C=##-eD=2",
                 [](DockerRunOptions& o) {
                   o.env = {"A=1", "B=x y", "C=", "D=2"};
                 }},
        FlagCase{"Labels", "-l team=ir##--label=owner=secops##--label flag",
                 [](DockerRunOptions& o) {
                   o.labels = {{"team", "ir"}, {"owner", "secops"}, {"flag", ""}};
                 }},
        FlagCase{"ShmAndStopTimeout", "--shm-size=64m##--stop-timeout=5",
                 [](DockerRunOptions& o) {
                   o.shm_size = 64 * kMiB;
                   o.stop_timeout = 5;
                 }},
        FlagCase{"WhitespaceAndEmptyPieces", "  --memory=1g  ##  ####--cpus=2 ",
                 [](DockerRunOptions& o) {
                   o.memory = kGiB;
                   o.cpus = 2.0;
                 }},
        FlagCase{"EmptyValue", "", [](DockerRunOptions&) {}},
        FlagCase{"RepeatedScalarLastWins", "--memory=1g##--memory=3g##--network=a##--net=b",
                 [](DockerRunOptions& o) {
                   o.memory = 3 * kGiB;
                   o.network = "b";
                 }},
        FlagCase{"PrivilegedFalseIsHarmless", "--privileged=false",
                 [](DockerRunOptions& o) { o.privileged = false; }}),
    case_name);

struct ErrorCase {
  const char* name;
  std::string input;
  std::string expected_message;  // exact
};

std::string error_case_name(const ::testing::TestParamInfo<ErrorCase>& info) {
  return info.param.name;
}

class InvalidFlags : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(InvalidFlags, FailWithAPreciseMessage) {
  const ErrorCase& c = GetParam();
  auto parsed = parse_docker_run_options(c.input);
  ASSERT_FALSE(parsed.ok()) << "accepted: " << c.input << " -> " << describe(*parsed);
  EXPECT_EQ(parsed.error().message, c.expected_message);
}

INSTANTIATE_TEST_SUITE_P(
    Policy, InvalidFlags,
    ::testing::Values(
        ErrorCase{"TypoGetsSuggestion", "--memroy=2g", "unknown flag --memroy (did you mean --memory?)"},
        ErrorCase{"UnknownWithoutSuggestion", "--frobnicate", "unknown flag --frobnicate"},
        ErrorCase{"UnknownShort", "-z 1", "unknown flag -z"},
        ErrorCase{"SingleDashLongFlag", "-memory=2g",
                  "flag -memory has a single dash (did you mean --memory?)"},
        ErrorCase{
            "BarePositional", "1.4",
            "unexpected value '1.4': extra keys hold docker run options such as --memory=2g joined by ##; to "
            "target one tag, put the tag in the key (python.pass.extra.keys.<image>:<tag>)"},
        ErrorCase{"MissingValue", "--pids-limit=256##--memory", "flag --memory needs a value"},
        ErrorCase{"NotASize", "--memory=lots",
                  "--memory=lots: 'lots' is not a size; expected a size such as 512m, 1g or 1.5g (suffix b, "
                  "k, m or "
                  "g)"},
        ErrorCase{"BelowDockerMinimum", "--memory=1m",
                  "--memory=1m: '1m' is below docker's minimum memory limit of 6m"},
        ErrorCase{"ZeroCpus", "--cpus=0",
                  "--cpus=0: '0' is not a CPU count; expected a number greater than 0 such as 1 or 1.5"},
        ErrorCase{
            "NegativePids", "--pids-limit=-5",
            "--pids-limit=-5: '-5' is not a PIDs limit; expected a positive count, or -1/0 for unlimited"},
        // The guide's own text, broken across a line: "--ulimit=no- file=1024:8192".
        ErrorCase{
            "GuideLineBreakTypo", "--memory=2g##--ulimit=no- file=1024:8192##--pids-limit=256",
            "--ulimit=no- file=1024:8192: unknown ulimit 'no- file' (did you mean nofile?); known: as, core, "
            "cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, "
            "sigpending, stack"},
        ErrorCase{"UlimitSoftAboveHard", "--ulimit=nofile=8192:1024",
                  "--ulimit=nofile=8192:1024: soft limit above hard limit in 'nofile=8192:1024'"},
        ErrorCase{"UlimitWithoutValue", "--ulimit=nofile",
                  "--ulimit=nofile: 'nofile' is not name=soft[:hard], e.g. nofile=1024:8192"},
        ErrorCase{"BoolWithSeparateValue", "--read-only true",
                  "flag --read-only takes no separate value; write --read-only=true or --read-only=false"},
        ErrorCase{"BoolGarbage", "--read-only=maybe", "--read-only=maybe: expected true or false"},
        ErrorCase{"UnknownCapability", "--cap-add=SYS_ADMN",
                  "--cap-add=SYS_ADMN: unknown capability 'SYS_ADMN' (did you mean SYS_ADMIN?)"},
        ErrorCase{
            "SeccompProfile", "--security-opt=seccomp=/etc/profile.json",
            "--security-opt=seccomp=/etc/profile.json: 'seccomp=/etc/profile.json': only seccomp=unconfined "
            "is understood here (and refused)"},
        ErrorCase{
            "UnknownSecurityOpt", "--security-opt=aparmor=x",
            "--security-opt=aparmor=x: unknown security option 'aparmor' (did you mean apparmor?); known: "
            "no-new-privileges, seccomp, apparmor, label, systempaths"},
        ErrorCase{"RelativeTmpfs", "--tmpfs=tmp",
                  "--tmpfs=tmp: 'tmp' needs an absolute container path, e.g. /tmp"},
        ErrorCase{
            "EnvWithoutValue", "--env=SECRET",
            "--env=SECRET: 'SECRET' needs NAME=value (hardend does not copy the engine's own environment)"},
        ErrorCase{"DockerFlagHardendManages", "--rm",
                  "flag --rm is a docker run option that hardend does not take from extra keys (it manages "
                  "it itself "
                  "or it has no place in a hardened container)"},
        ErrorCase{"NegativeStopTimeout", "--stop-timeout=-3",
                  "--stop-timeout=-3: '-3' is not a timeout; expected seconds between 0 and 86400"},
        ErrorCase{
            "TwoFlagsInOnePiece", "--memory=1g --cpus=2",
            "--memory=1g --cpus=2: '1g --cpus=2' is not a size; expected a size such as 512m, 1g or 1.5g "
            "(suffix b, k, m or g) (separate docker run options with ##)"},
        ErrorCase{"ZeroSwap", "--memory-swap=0",
                  "--memory-swap=0: '0' is zero; use a size at least the memory limit, or -1"},
        ErrorCase{"NamedVolume", "-v data:/data",
                  "--volume=data:/data: 'data:/data': only host bind mounts (/host/path:/container/path) are "
                  "understood; named and anonymous volumes are not supported"},
        ErrorCase{
            "PidOtherMode", "--pid=container:x",
            "--pid=container:x: 'container:x': hardend only understands --pid=host (refused by default); "
            "without the flag the namespace is already private"}),
    error_case_name);

// Isolation-breaking flags: refused by default with the flag named; accepted when the allow list names the
// flag or flag=value, and then recorded in allowed_unsafe.
struct UnsafeCase {
  const char* name;
  std::string input;
  std::string shown;        // how the error names the flag
  std::string allow_entry;  // what docker.run.allow.unsafe must hold
  std::string recorded;     // the canonical entry in allowed_unsafe
};

std::string unsafe_case_name(const ::testing::TestParamInfo<UnsafeCase>& info) {
  return info.param.name;
}

class UnsafeFlags : public ::testing::TestWithParam<UnsafeCase> {};

TEST_P(UnsafeFlags, AreRefusedUnlessAllowed) {
  const UnsafeCase& c = GetParam();
  auto refused = parse_docker_run_options(c.input);
  ASSERT_FALSE(refused.ok()) << "accepted without an allow key: " << c.input;
  const std::string& message = refused.error().message;
  EXPECT_EQ(message.rfind(c.shown + ": refused: it breaks container isolation (", 0), 0u) << message;
  EXPECT_NE(message.find("list \"" + c.recorded + "\" in docker.run.allow.unsafe"), std::string::npos)
      << message;

  auto allowed = parse_docker_run_options(c.input, FlagParseOptions{{c.allow_entry}});
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_EQ(allowed->allowed_unsafe, std::vector<std::string>{c.recorded});

  auto other_allowed = parse_docker_run_options(c.input, FlagParseOptions{{"--cap-add=CHOWN", "--ipc=none"}});
  EXPECT_FALSE(other_allowed.ok()) << "an unrelated allow entry let " << c.input << " through";
}

INSTANTIATE_TEST_SUITE_P(
    Policy, UnsafeFlags,
    ::testing::Values(
        UnsafeCase{"Privileged", "--privileged", "--privileged", "--privileged", "--privileged"},
        UnsafeCase{"PrivilegedTrue", "--privileged=true", "--privileged=true", "--privileged",
                   "--privileged"},
        UnsafeCase{"PidHost", "--pid=host", "--pid=host", "--pid=host", "--pid=host"},
        UnsafeCase{"IpcHost", "--ipc host", "--ipc=host", "--ipc", "--ipc=host"},
        UnsafeCase{"UtsHost", "--uts=host", "--uts=host", "--uts=host", "--uts=host"},
        UnsafeCase{"UsernsHost", "--userns=host", "--userns=host", "--userns=host", "--userns=host"},
        UnsafeCase{"CgroupnsHost", "--cgroupns=host", "--cgroupns=host", "--cgroupns=host",
                   "--cgroupns=host"},
        UnsafeCase{"NetworkHost", "--network=host", "--network=host", "--network=host", "--network=host"},
        UnsafeCase{"NetHostAllowedByAlias", "--net=host", "--net=host", "--net=host", "--network=host"},
        UnsafeCase{"NetworkOfAnotherContainer", "--network=container:db", "--network=container:db",
                   "--network", "--network=container:db"},
        UnsafeCase{"CapAddAll", "--cap-add=ALL", "--cap-add=ALL", "--cap-add=all", "--cap-add=ALL"},
        UnsafeCase{"CapAddSysAdmin", "--cap-add=SYS_ADMIN", "--cap-add=SYS_ADMIN", "--cap-add=CAP_SYS_ADMIN",
                   "--cap-add=SYS_ADMIN"},
        UnsafeCase{"CapAddPtraceLowercase", "--cap-add=cap_sys_ptrace", "--cap-add=cap_sys_ptrace",
                   "--cap-add=SYS_PTRACE", "--cap-add=SYS_PTRACE"},
        UnsafeCase{"CapAddModule", "--cap-add SYS_MODULE", "--cap-add=SYS_MODULE", "--cap-add",
                   "--cap-add=SYS_MODULE"},
        UnsafeCase{"CapAddNetAdmin", "--cap-add=NET_ADMIN", "--cap-add=NET_ADMIN", "--cap-add=NET_ADMIN",
                   "--cap-add=NET_ADMIN"},
        UnsafeCase{"CapAddRawio", "--cap-add=SYS_RAWIO", "--cap-add=SYS_RAWIO", "--cap-add=SYS_RAWIO",
                   "--cap-add=SYS_RAWIO"},
        UnsafeCase{"CapAddDacReadSearch", "--cap-add=DAC_READ_SEARCH", "--cap-add=DAC_READ_SEARCH",
                   "--cap-add=DAC_READ_SEARCH", "--cap-add=DAC_READ_SEARCH"},
        UnsafeCase{"Device", "--device=/dev/fuse", "--device=/dev/fuse", "--device", "--device=/dev/fuse"},
        UnsafeCase{"VolumeShort", "-v /etc:/host-etc", "--volume=/etc:/host-etc", "-v=/etc:/host-etc",
                   "--volume=/etc:/host-etc"},
        UnsafeCase{"VolumeRootReadOnly", "--volume=/:/host:ro", "--volume=/:/host:ro", "--volume",
                   "--volume=/:/host:ro"},
        UnsafeCase{"MountBind",
                   "--mount type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock,readonly",
                   "--mount=type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock,readonly",
                   "--mount", "--mount=/var/run/docker.sock:/var/run/docker.sock:ro"},
        UnsafeCase{"SeccompUnconfined", "--security-opt seccomp=unconfined",
                   "--security-opt=seccomp=unconfined", "--security-opt=seccomp=unconfined",
                   "--security-opt=seccomp=unconfined"},
        UnsafeCase{"ApparmorUnconfinedColon", "--security-opt=apparmor:unconfined",
                   "--security-opt=apparmor:unconfined", "--security-opt=apparmor:unconfined",
                   "--security-opt=apparmor=unconfined"},
        UnsafeCase{"LabelDisable", "--security-opt=label=disable", "--security-opt=label=disable",
                   "--security-opt=label=disable", "--security-opt=label=disable"},
        UnsafeCase{"SystempathsUnconfined", "--security-opt=systempaths=unconfined",
                   "--security-opt=systempaths=unconfined", "--security-opt",
                   "--security-opt=systempaths=unconfined"},
        UnsafeCase{"NoNewPrivilegesOff", "--security-opt=no-new-privileges=false",
                   "--security-opt=no-new-privileges=false", "--security-opt=no-new-privileges=false",
                   "--security-opt=no-new-privileges=false"},
        UnsafeCase{"UserRoot", "--user=root", "--user=root", "--user=root", "--user=root"},
        UnsafeCase{"UserUidZero", "-u 0:0", "--user=0:0", "--user=0", "--user=root"}),
    unsafe_case_name);

TEST(UnsafeFlags, AllowingOneCapabilityDoesNotAllowAnother) {
  auto parsed = parse_docker_run_options("--cap-add=SYS_ADMIN", FlagParseOptions{{"--cap-add=NET_ADMIN"}});
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("--cap-add=SYS_ADMIN"), std::string::npos);
}

TEST(UnsafeFlags, AllowedFlagsAreAppliedToTheOptions) {
  auto parsed =
      parse_docker_run_options("--privileged##--pid=host##--device=/dev/fuse##-v /srv:/srv:ro",
                               FlagParseOptions{{"--privileged", "--pid=host", "--device", "--volume"}});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->privileged, true);
  EXPECT_EQ(parsed->host_namespaces, std::vector<std::string>{"pid"});
  EXPECT_EQ(parsed->devices, std::vector<std::string>{"/dev/fuse"});
  EXPECT_EQ(parsed->binds, std::vector<std::string>{"/srv:/srv:ro"});
  EXPECT_EQ(parsed->allowed_unsafe.size(), 4u);
}

TEST(Capabilities, NormalizeAndClassify) {
  EXPECT_EQ(normalize_capability(" cap_sys_admin "), "SYS_ADMIN");
  EXPECT_EQ(normalize_capability("CAP_NET_RAW"), "NET_RAW");
  EXPECT_EQ(normalize_capability("chown"), "CHOWN");
  EXPECT_TRUE(is_root_user("root"));
  EXPECT_TRUE(is_root_user("0"));
  EXPECT_TRUE(is_root_user("00:1000"));
  EXPECT_TRUE(is_root_user("root:root"));
  EXPECT_FALSE(is_root_user("4000:4000"));
  EXPECT_FALSE(is_root_user("10"));
  EXPECT_FALSE(is_root_user("rooty"));
}

}  // namespace
}  // namespace hardend::policy
