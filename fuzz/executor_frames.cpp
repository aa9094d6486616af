// Fuzz harness: the executor frame decoder (runner/executor_protocol.h) and the aggregation of frames into the
// result of `hardend script --json`. The container's stdout is written by the executor, but a hostile script can
// write anything around it, so every byte sequence must decode. Input: 4 header bytes, then the stdout stream:
//   [0] chunk size - 1 (the stream is fed in pieces, as reads from the socket arrive)
//   [1] line limit selector (16 << (b % 8) bytes)   [2] output limit (1 + 16 * b bytes)
//   [3] run outcome bits: timed out, OOM killed, container exit code known, last third goes to container stderr
// Invariants: feeding in pieces gives exactly the frames of feeding at once; no frame accounts for more bytes
// than arrived; text is valid UTF-8; the result renders to JSON (dump() throws on invalid UTF-8).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "runner/executor_protocol.h"

namespace {

using hardend::fuzz::require;
using hardend::runner::Frame;
using hardend::runner::FrameKind;
using hardend::runner::FrameParser;

std::vector<Frame> decode(std::string_view stream, std::size_t chunk, std::size_t max_line) {
  FrameParser parser(max_line);
  std::vector<Frame> frames;
  for (std::size_t at = 0; at < stream.size(); at += chunk) parser.feed(stream.substr(at, chunk), frames);
  parser.finish(frames);
  return frames;
}

bool same_frame(const Frame& a, const Frame& b) {
  return a.kind == b.kind && a.text == b.text && a.level == b.level && a.traceback == b.traceback &&
         a.entry == b.entry && a.exit_code == b.exit_code && a.signal == b.signal && a.wire_bytes == b.wire_bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  std::size_t chunk = static_cast<std::size_t>(data[0]) + 1;
  std::size_t max_line = std::size_t{16} << (data[1] % 8);
  std::size_t output_limit = 1 + std::size_t{16} * data[2];
  uint8_t outcome_bits = data[3];
  std::string_view input(reinterpret_cast<const char*>(data) + 4, size - 4);
  std::string_view stream = input;
  std::string_view container_stderr;
  if ((outcome_bits & 8) != 0) {
    std::size_t split = input.size() - input.size() / 3;
    stream = input.substr(0, split);
    container_stderr = input.substr(split);
  }

  std::vector<Frame> frames = decode(stream, chunk, max_line);
  std::vector<Frame> at_once = decode(stream, stream.size() + 1, max_line);
  require(frames.size() == at_once.size(), "chunked and whole feeding give the same number of frames");
  std::size_t accounted = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    require(same_frame(frames[i], at_once[i]), "chunked and whole feeding give the same frames");
    const Frame& frame = frames[i];
    accounted += frame.wire_bytes;
    require(hardend::runner::sanitize_utf8(frame.text) == frame.text, "frame text is valid UTF-8");
    if (frame.kind != FrameKind::oversized) require(frame.wire_bytes <= max_line + 1, "a kept line fits the limit");
  }
  require(accounted <= stream.size(), "frames account for no more bytes than arrived");

  hardend::runner::ResultAggregator aggregator(output_limit);
  aggregator.add_frames(frames);
  if (!container_stderr.empty()) aggregator.add_container_stderr(container_stderr);
  hardend::runner::RunOutcome outcome;
  outcome.timed_out = (outcome_bits & 1) != 0;
  outcome.oom_killed = (outcome_bits & 2) != 0;
  if ((outcome_bits & 4) != 0) outcome.container_exit_code = outcome_bits >> 4;
  outcome.timeout_seconds = 30;
  outcome.memory_limit = 64 << 20;
  auto result = aggregator.finish(outcome);
  std::string rendered = result.to_json().dump();
  require(!rendered.empty(), "the result renders");
  if (outcome.timed_out) require(result.exit_code == hardend::runner::kExitTimeout, "a timeout exits 124");
  if (result.exit_code == hardend::runner::kExitSuccess) require(!result.error, "success carries no error");
  return 0;
}
