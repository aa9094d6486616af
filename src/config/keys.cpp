#include "config/keys.h"

#include <sstream>

namespace hardend::config {
namespace {

std::vector<KeyDef> make_keys_table() {
  std::vector<KeyDef> keys;
  auto add = [&keys](std::string name, KeyType type, std::string default_value, std::string doc,
                     std::string example, std::string details = "", bool per_image = false) {
    keys.push_back(KeyDef{std::move(name), type, std::move(default_value), std::move(doc), per_image,
                          std::move(example), std::move(details)});
  };

  // Non-root user.
  add("docker.run.internal.asuser", KeyType::Bool, "true",
      "Run containers as the non-root user of `docker.run.internal.asuser.user`.",
      R"("docker.run.internal.asuser": true)",
      "Images named by `docker.run.internal.asuser.ignore` keep their own user. A `--user` in the extra keys "
      "that apply to an image sets that image's user explicitly.");
  add("docker.run.internal.asuser.user", KeyType::String, "4000:4000",
      "The user containers run as when `docker.run.internal.asuser` is true: `uid[:gid]` or `name[:group]`.",
      R"("docker.run.internal.asuser.user": "4000:4000")",
      "4000:4000 is the uid/gid that integration images conventionally create. Root (`root` or uid `0`) is "
      "refused: to run as root, set `docker.run.internal.asuser` to false.");
  add("docker.run.internal.asuser.ignore", KeyType::StringList, "(none)",
      "Image-name prefixes exempt from the non-root user.",
      R"("docker.run.internal.asuser.ignore": "demisto/python3:,demisto/python:")",
      "A plain prefix match on the full image reference (`name:tag`): `demisto/python3:` matches "
      "`demisto/python3:3.7.3.928` but not `demisto/python3-deb:1.0`; `demisto/python` matches both. End a "
      "prefix with `:` to match exactly one image name with any tag.");

  // Memory and CPU.
  add("limit.docker.memory", KeyType::Bool, "true", "Limit each container's memory to `docker.memory.limit`.",
      R"("limit.docker.memory": true)",
      "Turning the limit off takes an explicit `false`. Swap: where the daemon supports swap limits, "
      "memory-swap is set equal to the memory limit (no swap beyond the limit); where it does not (Docker "
      "reports "
      "no swap-limit support), memory-swap is left unlimited (`-1`) and hardend reports this instead of "
      "silently "
      "ignoring it. An explicit `--memory-swap` in the extra keys wins.");
  add("docker.memory.limit", KeyType::Size, "1g", "The memory limit of each container.",
      R"("docker.memory.limit": "1g")",
      "A size with an optional `b`, `k`, `m` or `g` suffix (case-insensitive, fractions allowed: `1.5g`), or "
      "a "
      "JSON number of bytes. At least 6m (Docker's minimum) and at most 1024g. A `--memory` in the extra "
      "keys that "
      "apply to an image overrides it for that image.");
  add("limit.docker.cpu", KeyType::Bool, "true", "Limit each container's CPUs to `docker.cpu.limit`.",
      R"("limit.docker.cpu": true)");
  add("docker.cpu.limit", KeyType::Cpus, "1.0", "The number of CPUs each container may use (NanoCpus).",
      R"("docker.cpu.limit": "1.0")",
      "A JSON number or a string such as `\"1.0\"` or `\"0.5\"`; from 0.01 (Docker's minimum) to 1024. A "
      "`--cpus` "
      "in the extra keys that apply to an image overrides it for that image.");

  // Extra docker run options.
  add("python.pass.extra.keys", KeyType::DockerOptions, "(none)",
      "Full `docker run` options joined by `##`, applied to every image without image-specific keys.",
      R"("python.pass.extra.keys": "--pids-limit=256##--ulimit=nofile=1024:8192")",
      "Both `--flag=value` and `--flag value` forms are accepted. The options are parsed, not passed "
      "through: "
      "known flags map onto the container's settings, unknown flags are errors, and flags that break "
      "isolation "
      "(`--privileged`, `--pid=host`, `--network=host`, `--ipc=host`, `--userns=host`, `--cap-add=ALL` or "
      "`SYS_ADMIN`, `--device`, bind mounts of host paths, `--security-opt` `seccomp=unconfined` or "
      "`apparmor=unconfined`) are refused unless `docker.run.allow.unsafe` lists them. Without this key "
      "hardend "
      "still applies its hardened defaults (`--pids-limit=256`, `--ulimit=nofile=1024:8192`).");
  add("python.pass.extra.keys.<image>", KeyType::DockerOptions, "(none)",
      "Options for every tag of one image, used instead of `python.pass.extra.keys`.",
      R"("python.pass.extra.keys.demisto/dl": "--memory=2g##--ulimit=nofile=1024:8192##--pids-limit=256")",
      "The rest of the key after `python.pass.extra.keys.` is the image name, exactly as written "
      "(`demisto/dl`, `registry.local:5000/team/tool`). Image-specific options replace the general "
      "`python.pass.extra.keys` entirely (repeat the general options you want to keep), and their `--memory` "
      "and "
      "`--cpus` override `docker.memory.limit` and `docker.cpu.limit`. Most specific wins: "
      "`<image>:<tag>`, then `<image>`, then the general key. An empty value means \"no extra options for "
      "this "
      "image\". The value must be options: `\"python.pass.extra.keys.demisto/dl\": \"1.4\"` is an error; to "
      "target tag 1.4, put the tag in the key: `python.pass.extra.keys.demisto/dl:1.4`.",
      true);
  add("python.pass.extra.keys.<image>:<tag>", KeyType::DockerOptions, "(none)",
      "Options for one tag of one image; they win over `python.pass.extra.keys.<image>` and the general key.",
      R"("python.pass.extra.keys.demisto/dl:1.4": "--memory=4g##--pids-limit=256")",
      "An image run without a tag means `:latest`, so `python.pass.extra.keys.demisto/dl:latest` applies to "
      "`demisto/dl`. Same value rules as `python.pass.extra.keys.<image>`.",
      true);

  // Hardening beyond the seed guide.
  add("docker.run.capabilities.drop.all", KeyType::Bool, "true",
      "Drop every Linux capability except those of `docker.run.capabilities.keep`.",
      R"("docker.run.capabilities.drop.all": true)",
      "Scripts need no capabilities; Docker's default set (`CHOWN`, `NET_RAW`, `SETUID` ...) only helps an "
      "attacker. Set to false to keep Docker's default set.");
  add("docker.run.capabilities.keep", KeyType::StringList, "(none)",
      "Capabilities added back after dropping all of them.",
      R"("docker.run.capabilities.keep": ["NET_BIND_SERVICE"])",
      "Names as Docker takes them, with or without `CAP_`, in any case (stored upper-case without `CAP_`); "
      "unknown "
      "names are errors. `ALL` is refused: set `docker.run.capabilities.drop.all` to false instead. Keeping "
      "`SYS_ADMIN` still needs `docker.run.allow.unsafe`.");
  add("docker.run.no.new.privileges", KeyType::Bool, "true",
      "Set `no-new-privileges`: setuid binaries in the image cannot raise privileges.",
      R"("docker.run.no.new.privileges": true)");
  add("docker.run.read.only", KeyType::Bool, "true",
      "Mount the container's root filesystem read-only; scripts write to the `docker.run.tmpfs` mounts.",
      R"("docker.run.read.only": true)");
  add("docker.run.tmpfs", KeyType::StringList, "/tmp:rw,noexec,nosuid,size=64m",
      "tmpfs mounts (`path[:options]`) given to every container.",
      R"("docker.run.tmpfs": ["/tmp:rw,noexec,nosuid,size=64m", "/run:rw,noexec,nosuid,size=1m"])",
      "In a string, mounts are separated by commas, but an option list contains commas too, so a new mount "
      "starts "
      "only at a comma followed by `/`. A JSON array is clearer. An empty array means no tmpfs mounts.");
  add("docker.run.allow.unsafe", KeyType::StringList, "(none)",
      "Isolation-breaking flags that the extra keys may use anyway, written as in the extra keys.",
      R"("docker.run.allow.unsafe": ["--cap-add=SYS_ADMIN"])",
      "Every flag that breaks isolation (see `python.pass.extra.keys`) is refused unless it is listed here, "
      "e.g. `--privileged`, `--network=host`, `--cap-add=SYS_ADMIN`. Each item must start with `-`.");

  // Runtime and runs.
  add("container.runtime", KeyType::Enum, "docker", "The container runtime: `docker` or `podman`.",
      R"("container.runtime": "podman")",
      "The same settings apply to Podman, except the memory, CPU and PIDs limits, which Podman hosts may not "
      "support: hardend leaves them out and says so (`hardend policy`), and `hardend check` reports them as "
      "failed, unless `podman.limits.enforce` is true. `--runtime podman` on the command line wins. Podman is "
      "reached through its Docker-compatible API at `$HARDEND_PODMAN_SOCKET`, else `$CONTAINER_HOST`, else "
      "`unix:///run/podman/podman.sock` (rootful `podman system service`). On Podman hardend also sets the "
      "`nofile` and `nproc` rlimits within this host's hard limits, because Podman's defaults (1048576) make the "
      "OCI runtime fail on hosts without CAP_SYS_RESOURCE. See docs/PODMAN.md.");
  add("podman.limits.enforce", KeyType::Bool, "false",
      "On Podman, apply the memory, CPU and PIDs limits anyway (the hardening guide leaves them out).",
      R"("podman.limits.enforce": true)",
      "Podman applies these limits where it controls the cgroups: rootful Podman, or rootless Podman on cgroup v2 "
      "with the controllers delegated. hardend asks the Podman service (`/info`: `MemoryLimit`, `CpuCfsQuota`, "
      "`PidsLimit`) and refuses to run with an error naming this key when a limit cannot be applied, instead of "
      "running without it. Ignored with `container.runtime` docker, where the limits always apply.");
  add("python.default.image", KeyType::String, "hardend/python:3.11",
      "The image used for Python scripts that do not name one.",
      R"("python.default.image": "hardend/python:3.11")");
  add("run.output.limit", KeyType::Size, "10m",
      "The most stdout plus stderr kept from one run; beyond it the output is truncated and marked.",
      R"("run.output.limit": "10m")", "A size as for `docker.memory.limit`, from 1k to 1g.");

  // Network hardening (issue 4).
  add("network.block.host", KeyType::Bool, "true",
      "Block traffic from the container ranges to every address of this host (iptables INPUT).",
      R"("network.block.host": true)",
      "\"Host\" means every non-loopback IPv4 address of this machine, discovered at apply time (the Docker "
      "bridges' own gateway addresses included), not only private ones.");
  add("network.container.ranges", KeyType::StringList, "172.16.0.0/12",
      "The source ranges of containers (IPv4 CIDRs), blocked from the host by `network.block.host`.",
      R"("network.container.ranges": "172.16.0.0/12")",
      "hardend adds every subnet the daemon reports for its networks and the pools of "
      "`/etc/docker/daemon.json` (`bip`, `default-address-pools`). A bare address means `/32`; set host bits "
      "(`10.0.0.1/8`) and octets with leading zeros are errors.");
  add("network.default.block", KeyType::StringList, "metadata",
      "What containers on Docker's default bridge (`docker0`) may not reach: `host`, `metadata`, `internal`.",
      R"("network.default.block": ["metadata"])",
      "`host`: every address of this host; `metadata`: 169.254.169.254/32; `internal`: 10.0.0.0/8, "
      "172.16.0.0/12, 192.168.0.0/16.");
  add("network.networks", KeyType::Networks, "(none)",
      "Docker networks that hardend creates, each with its bridge name and what it blocks.",
      R"("network.networks": {
  "aws-metadata": {"bridge": "docker-metadata", "block": ["host"]},
  "external": {"bridge": "docker-external", "block": ["host", "metadata", "internal"],
               "block.cidrs": ["100.64.0.0/10"], "allow.cidrs": []}
})",
      "An object of network name -> settings:\n\n"
      "- `bridge` (required): the Linux bridge name (`com.docker.network.bridge.name`), at most 15 "
      "characters "
      "of letters, digits, `_`, `.`, `-`; unique across networks; not `docker0`.\n"
      "- `block`: members `host`, `metadata`, `internal` (as in `network.default.block`).\n"
      "- `block.cidrs`: extra IPv4 CIDRs dropped.\n"
      "- `allow.cidrs`: exceptions, accepted before the drops.\n\n"
      "Lists may be JSON arrays or comma-separated strings. Names follow Docker's rules and cannot be "
      "`bridge`, "
      "`host` or `none`. Images are assigned to a network with `--network=NAME` in their extra keys, e.g. "
      "`\"python.pass.extra.keys.demisto/boto3py3\": \"--network=aws-metadata\"`.");

  // The daemon (`hardend serve`, issue 6; docs/API.md).
  add("server.listen", KeyType::String, "unix:/run/hardend/hardend.sock",
      "Where `hardend serve` listens: `unix:/PATH` (the default) or `tcp://127.0.0.1:PORT`.",
      R"("server.listen": "unix:/run/hardend/hardend.sock")",
      "The unix socket is created with mode 0660 (group `server.socket.group`); access to it is the access "
      "control. TCP is accepted on loopback addresses only and needs `server.token.file`: every request must "
      "carry `Authorization: Bearer <token>`. `--listen` on the command line wins.");
  add("server.socket.group", KeyType::String, "(none)",
      "The group that owns the daemon's unix socket (mode 0660); none: the daemon's own group.",
      R"("server.socket.group": "hardend")");
  add("server.token.file", KeyType::String, "(none)",
      "A file holding the bearer token that TCP clients must send; `hardend serve` refuses TCP without one.",
      R"("server.token.file": "/etc/hardend/token")",
      "An absolute path. Surrounding whitespace of the file's content is ignored; an empty file is refused. "
      "The token is read at start and on reload, and `GET /v1/config` never shows it.");
  add("server.max.body", KeyType::Size, "4m",
      "The largest request body the daemon accepts; larger requests get 413.",
      R"("server.max.body": "4m")", "A size as for `docker.memory.limit`, from 1k to 1g.");
  add("server.drain.seconds", KeyType::Count, "30",
      "On SIGTERM, how long in-flight runs may finish before their containers are killed.",
      R"("server.drain.seconds": 30)",
      "A whole number of seconds from 0 to 3600. Whatever happens, every container the daemon started is "
      "removed before it exits.");
  add("server.workers", KeyType::Count, "16", "How many runs the daemon executes at the same time.",
      R"("server.workers": 16)",
      "From 1 to 1024. Runs beyond it wait in the queue (`containers.queue.limit`).");
  add("server.log.format", KeyType::Enum, "text", "The daemon's log lines: `text` or `json` (one object a line).",
      R"("server.log.format": "json")");
  add("server.network.reconcile", KeyType::Bool, "false",
      "`hardend serve` reconciles the network rules (as `hardend net apply`) at start, on reload and every "
      "`server.network.reconcile.seconds`; needs root.",
      R"("server.network.reconcile": true)",
      "Drift (rules deleted or changed from outside) is repaired and logged. Off by default: the daemon then "
      "leaves iptables alone and `hardend net apply` (or packaging/hardend-net.service) owns the rules.");
  add("server.network.reconcile.seconds", KeyType::Count, "60",
      "How often `hardend serve` reconciles the network rules when `server.network.reconcile` is true.",
      R"("server.network.reconcile.seconds": 60)", "A whole number of seconds from 5 to 86400.");

  // The warm pool of `hardend serve`.
  add("containers.low.water.mark", KeyType::Count, "1",
      "Warm containers kept ready per pool (image + resolved policy) once the pool is in use.",
      R"("containers.low.water.mark": 2)",
      "From 0 to 1000. The pool of `python.default.image` is warmed at start; other pools from their first "
      "run. Idle containers above this number are removed after `containers.idle.seconds`.");
  add("containers.low.water.mark.<image>", KeyType::Count, "(none)",
      "`containers.low.water.mark` for one image (`<image>`) or one tag (`<image>:<tag>`).",
      R"("containers.low.water.mark.demisto/dl": 0)",
      "Same precedence as `python.pass.extra.keys.<image>`: `<image>:<tag>`, then `<image>`, then the general "
      "key.",
      true);
  add("containers.high.water.mark", KeyType::Count, "20",
      "The most containers of one pool (image + resolved policy), warm and busy together.",
      R"("containers.high.water.mark": 20)",
      "From 1 to 1000. A run that finds every container of its pool busy waits in the queue.");
  add("containers.high.water.mark.<image>", KeyType::Count, "(none)",
      "`containers.high.water.mark` for one image (`<image>`) or one tag (`<image>:<tag>`).",
      R"("containers.high.water.mark.demisto/dl": 4)",
      "Same precedence as `python.pass.extra.keys.<image>`: `<image>:<tag>`, then `<image>`, then the general "
      "key.",
      true);
  add("containers.isolation", KeyType::Enum, "fresh",
      "How warm containers are used: `fresh` (one run each, then destroyed) or `reuse` (many runs each).",
      R"("containers.isolation": "fresh")",
      "`fresh`: every warm container serves exactly one run and is removed; the pool refills in the "
      "background, so a run only waits for a container that is already started. `reuse`: a container serves "
      "runs one after the other, each in a freshly forked process (no globals, modules or processes survive a "
      "run); it is recycled after `containers.max.runs` runs and at once after a timeout, an OOM, a crash or "
      "anything that puts its health in doubt.");
  add("containers.isolation.<image>", KeyType::Enum, "(none)",
      "`containers.isolation` for every tag of one image.",
      R"("containers.isolation.hardend/python": "reuse")",
      "Most specific wins: `containers.isolation.<image>:<tag>`, then `containers.isolation.<image>`, then "
      "the general key, as for `python.pass.extra.keys.<image>`.",
      true);
  add("containers.isolation.<image>:<tag>", KeyType::Enum, "(none)",
      "`containers.isolation` for one tag of one image.",
      R"("containers.isolation.hardend/python:3.11": "reuse")", "", true);
  add("containers.max.runs", KeyType::Count, "100",
      "In `reuse` mode, the runs one container serves before it is replaced.",
      R"("containers.max.runs": 100)", "From 1 to 1000000.");
  add("containers.idle.seconds", KeyType::Count, "300",
      "Warm containers above the low water mark that stayed unused this long are removed.",
      R"("containers.idle.seconds": 300)");
  add("containers.queue.limit", KeyType::Count, "64",
      "Runs that may wait for a worker or a container; beyond it the daemon answers 503 busy.",
      R"("containers.queue.limit": 64)");
  return keys;
}

std::string escape_table_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

// A key whose name holds <image> is written with angle brackets; GitHub anchors drop them.
std::string anchor(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '.' || c == '<' || c == '>' || c == ':' || c == '/') continue;
    out += c;
  }
  return out;
}

}  // namespace

const std::vector<KeyDef>& keys_table() {
  static const std::vector<KeyDef> table = make_keys_table();
  return table;
}

const KeyDef* find_key(std::string_view name) {
  for (const auto& key : keys_table())
    if (!key.per_image && key.name == name) return &key;
  return nullptr;
}

std::string type_name(KeyType type) {
  switch (type) {
    case KeyType::Bool:
      return "boolean";
    case KeyType::Size:
      return "size";
    case KeyType::Cpus:
      return "CPU count";
    case KeyType::String:
      return "string";
    case KeyType::StringList:
      return "string list";
    case KeyType::DockerOptions:
      return "docker run options";
    case KeyType::Enum:
      return "enum";
    case KeyType::Networks:
      return "networks object";
    case KeyType::Count:
      return "whole number";
  }
  return "unknown";
}

std::string render_config_markdown() {
  std::ostringstream md;
  md << "# hardend configuration keys\n\n"
     << "<!-- Generated from src/config/keys.cpp by render_config_markdown(); a unit test fails when this "
        "file "
        "differs. -->\n\n"
     << "hardend reads one JSON object of flat dotted keys, like an engine's `d1.conf`: the file of "
        "`--config`, "
        "else `$HARDEND_CONFIG`, else `/etc/hardend/d1.conf`. Without a file at the default path every key "
        "has "
        "its default, and the defaults are hardened: a missing key means \"hardened\", turning a protection "
        "off "
        "takes an explicit key. `hardend policy IMAGE` shows every setting with the key (or default) it came "
        "from.\n\n"
     << "## Values\n\n"
     << "- **boolean**: `true`/`false`, their strings in any case (`\"true\"`, `\"FALSE\"`), and `1`/`0` or "
        "`\"1\"`/`\"0\"` (as engines built with Go's `strconv.ParseBool` accept them).\n"
     << "- **size**: a string with an optional `b`, `k`, `m` or `g` suffix, case-insensitive, fractions "
        "allowed "
        "(`\"512m\"`, `\"1.5g\"`), or a JSON number of bytes. Zero, negative and absurd sizes are errors.\n"
     << "- **CPU count**: a JSON number or a string (`\"1.0\"`), from 0.01 to 1024.\n"
     << "- **string list**: a JSON array of strings or one comma-separated string; items are trimmed and "
        "empty "
        "items dropped.\n"
     << "- **whole number**: a JSON number or its string (`20`, `\"20\"`), within the range the key gives.\n"
     << "- **docker run options**: one string of `docker run` options joined by `##`, kept as written and "
        "parsed "
        "by the policy layer.\n\n"
     << "## Diagnostics\n\n"
     << "`hardend config validate` prints every problem, in file order, as `FILE:LINE:COLUMN: KEY: PROBLEM` "
        "(warnings as `FILE:LINE:COLUMN: warning: KEY: PROBLEM`); the position is that of the offending key "
        "or "
        "value, columns count characters. JSON syntax errors carry a position too. Unknown keys are warnings "
        "with a suggestion (`unknown key (did you mean limit.docker.cpu?)`), since a `d1.conf` holds other "
        "engine "
        "keys as well; with `--strict` they are errors. A key given twice is an error: JSON keeps only one "
        "of the "
        "values, which would silently lose a setting.\n\n"
     << "## Keys\n\n"
     << "| Key | Type | Default | Description |\n|---|---|---|---|\n";
  for (const auto& key : keys_table())
    md << "| [`" << escape_table_cell(key.name) << "`](#" << anchor(key.name) << ") | " << type_name(key.type)
       << " | `" << escape_table_cell(key.default_value) << "` | " << escape_table_cell(key.doc) << " |\n";
  for (const auto& key : keys_table()) {
    md << "\n### `" << key.name << "`\n\n"
       << "- Type: " << type_name(key.type) << "\n"
       << "- Default: `" << key.default_value << "`\n\n"
       << key.doc << "\n\n";
    if (!key.details.empty()) md << key.details << "\n\n";
    md << "```json\n" << key.example << "\n```\n";
  }
  return md.str();
}

}  // namespace hardend::config
