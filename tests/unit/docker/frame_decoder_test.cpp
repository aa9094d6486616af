#include <gtest/gtest.h>

#include <deque>

#include "docker/stream.h"

namespace hardend::docker {
namespace {

std::string frame_bytes(uint8_t stream, std::string_view payload) {
  std::string out;
  out += static_cast<char>(stream);
  out += std::string(3, '\0');
  auto size = static_cast<uint32_t>(payload.size());
  out += static_cast<char>((size >> 24) & 0xff);
  out += static_cast<char>((size >> 16) & 0xff);
  out += static_cast<char>((size >> 8) & 0xff);
  out += static_cast<char>(size & 0xff);
  out += payload;
  return out;
}

std::vector<Frame> drain(FrameDecoder& decoder) {
  std::vector<Frame> frames;
  while (true) {
    auto frame = decoder.next();
    EXPECT_TRUE(frame.ok()) << frame.error().message;
    if (!frame.ok() || !frame->has_value()) return frames;
    frames.push_back(std::move(**frame));
  }
}

TEST(FrameDecoder, NeedsMoreBytesUntilHeaderAndPayloadArrive) {
  FrameDecoder decoder;
  auto nothing = decoder.next();
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->has_value());
  decoder.feed(frame_bytes(1, "abc").substr(0, 10));
  EXPECT_TRUE(drain(decoder).empty());
  EXPECT_EQ(decoder.buffered(), 10u);
  decoder.feed("c");
  auto frames = drain(decoder);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].payload, "abc");
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(FrameDecoder, SplitAtEveryByteBoundary) {
  const std::string stream = frame_bytes(1, "hello") + frame_bytes(2, "oops\n") + frame_bytes(1, "") +
                             frame_bytes(1, std::string(300, 'x'));
  for (size_t split = 0; split <= stream.size(); ++split) {
    FrameDecoder decoder;
    std::vector<Frame> frames;
    decoder.feed(stream.substr(0, split));
    for (auto& frame : drain(decoder)) frames.push_back(std::move(frame));
    decoder.feed(stream.substr(split));
    for (auto& frame : drain(decoder)) frames.push_back(std::move(frame));
    ASSERT_EQ(frames.size(), 4u) << "split at " << split;
    EXPECT_EQ(frames[0].stream, StreamId::Stdout);
    EXPECT_EQ(frames[0].payload, "hello");
    EXPECT_EQ(frames[1].stream, StreamId::Stderr);
    EXPECT_EQ(frames[1].payload, "oops\n");
    EXPECT_EQ(frames[2].payload, "");
    EXPECT_EQ(frames[3].payload, std::string(300, 'x'));
    EXPECT_EQ(decoder.buffered(), 0u);
  }
}

TEST(FrameDecoder, OneByteAtATime) {
  const std::string stream = frame_bytes(2, "e1") + frame_bytes(1, "o1") + frame_bytes(2, "e2");
  FrameDecoder decoder;
  std::string seen;
  for (char c : stream) {
    decoder.feed(std::string_view(&c, 1));
    for (auto& frame : drain(decoder))
      seen += (frame.stream == StreamId::Stderr ? "E:" : "O:") + frame.payload + ";";
  }
  EXPECT_EQ(seen, "E:e1;O:o1;E:e2;");
}

TEST(FrameDecoder, ManyFramesInOneChunk) {
  std::string chunk;
  for (int i = 0; i < 100; ++i) chunk += frame_bytes(i % 2 ? 2 : 1, std::to_string(i));
  FrameDecoder decoder;
  decoder.feed(chunk);
  auto frames = drain(decoder);
  ASSERT_EQ(frames.size(), 100u);
  EXPECT_EQ(frames[41].stream, StreamId::Stderr);
  EXPECT_EQ(frames[41].payload, "41");
  EXPECT_EQ(frames[42].stream, StreamId::Stdout);
}

TEST(FrameDecoder, StdinStreamIdIsAccepted) {
  FrameDecoder decoder;
  decoder.feed(frame_bytes(0, "in"));
  auto frames = drain(decoder);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].stream, StreamId::Stdin);
}

TEST(FrameDecoder, RejectsUnknownStreamId) {
  FrameDecoder decoder;
  decoder.feed(frame_bytes(7, "x"));
  auto frame = decoder.next();
  ASSERT_FALSE(frame.ok());
  EXPECT_NE(frame.error().message.find("malformed multiplexed stream header [07 00 00 00 00 00 00 01]"),
            std::string::npos)
      << frame.error().message;
}

TEST(FrameDecoder, RejectsNonZeroPadding) {
  FrameDecoder decoder;
  decoder.feed("HTTP/1.1 200 OK\r\n");  // what a non-multiplexed (TTY) stream looks like
  auto frame = decoder.next();
  ASSERT_FALSE(frame.ok());
  EXPECT_NE(frame.error().message.find("malformed"), std::string::npos);
}

TEST(FrameDecoder, RejectsAbsurdSizeBeforeBufferingIt) {
  FrameDecoder decoder;
  decoder.feed(std::string("\x01\x00\x00\x00\x7f\xff\xff\xff", 8));
  auto frame = decoder.next();
  ASSERT_FALSE(frame.ok());
  EXPECT_NE(frame.error().message.find("exceeds the 64 MiB limit"), std::string::npos)
      << frame.error().message;
}

TEST(FrameDecoder, SystemErrorStreamBecomesAnError) {
  FrameDecoder decoder;
  decoder.feed(frame_bytes(3, "exec failed: no such file"));
  auto frame = decoder.next();
  ASSERT_FALSE(frame.ok());
  EXPECT_NE(frame.error().message.find("exec failed: no such file"), std::string::npos);
}

// A HijackedStream that hands out scripted chunks.
class ScriptedConnection : public HijackedStream {
 public:
  explicit ScriptedConnection(std::deque<std::string> chunks) : chunks_(std::move(chunks)) {}
  Result<std::string> read_some(size_t) override {
    if (chunks_.empty()) return std::string();
    std::string chunk = std::move(chunks_.front());
    chunks_.pop_front();
    return chunk;
  }
  Status write_all(std::string_view data) override {
    written += data;
    return {};
  }
  Status close_write() override {
    write_closed = true;
    return {};
  }
  void cancel() override {}
  bool nothing_to_read() override { return chunks_.empty() && !ended; }
  std::string written;
  bool ended = false;  // as if the peer had closed: readable (an end of stream) though no chunk is left
  bool write_closed = false;

 private:
  std::deque<std::string> chunks_;
};

TEST(AttachedStream, SilentOnlyWhenNothingArrivedAndTheStreamIsOpen) {
  auto owned = std::make_unique<ScriptedConnection>(std::deque<std::string>{frame_bytes(2, "late")});
  ScriptedConnection* connection = owned.get();
  AttachedStream stream(std::move(owned));
  EXPECT_FALSE(stream.silent());  // output waits to be read (an idle executor writes nothing)
  auto frame = stream.read_frame();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_TRUE(stream.silent());  // all read, the stream open and quiet
  connection->ended = true;      // the peer went away (dockerd killed): the end of stream waits to be read
  EXPECT_FALSE(stream.silent());
}

TEST(AttachedStream, NotSilentWithHalfAFrameBufferedOrAtItsEnd) {
  std::string bytes = frame_bytes(1, "partial");
  auto owned = std::make_unique<ScriptedConnection>(std::deque<std::string>{bytes.substr(0, 4)});
  AttachedStream stream(std::move(owned));
  auto frame = stream.read_frame();  // reads the half frame, then the scripted end of stream
  ASSERT_FALSE(frame.ok());          // "ended inside a frame"
  EXPECT_FALSE(stream.silent());
}

TEST(AttachedStream, MultiplexedFramesAcrossReads) {
  std::string bytes = frame_bytes(1, "out") + frame_bytes(2, "err");
  auto connection = std::make_unique<ScriptedConnection>(
      std::deque<std::string>{bytes.substr(0, 5), bytes.substr(5, 9), bytes.substr(14)});
  AttachedStream stream(std::move(connection));
  auto first = stream.read_frame();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->payload, "out");
  auto second = stream.read_frame();
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->stream, StreamId::Stderr);
  EXPECT_EQ((*second)->payload, "err");
  auto end = stream.read_frame();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST(AttachedStream, TruncatedFrameAtEndIsAnError) {
  auto connection =
      std::make_unique<ScriptedConnection>(std::deque<std::string>{frame_bytes(1, "abcdef").substr(0, 11)});
  AttachedStream stream(std::move(connection));
  auto frame = stream.read_frame();
  ASSERT_FALSE(frame.ok());
  EXPECT_NE(frame.error().message.find("ended inside a frame"), std::string::npos);
}

TEST(AttachedStream, RawTtyStreamIsStdout) {
  auto connection = std::make_unique<ScriptedConnection>(std::deque<std::string>{"plain text\r\n"});
  auto* raw = connection.get();
  AttachedStream stream(std::move(connection), /*multiplexed=*/false);
  auto frame = stream.read_frame();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ((*frame)->stream, StreamId::Stdout);
  EXPECT_EQ((*frame)->payload, "plain text\r\n");
  ASSERT_TRUE(stream.write_stdin("input").ok());
  ASSERT_TRUE(stream.close_stdin().ok());
  EXPECT_EQ(raw->written, "input");
  EXPECT_TRUE(raw->write_closed);
  auto end = stream.read_frame();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

}  // namespace
}  // namespace hardend::docker
