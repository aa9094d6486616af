// Replays fuzz inputs through a harness without libFuzzer: every regular file under each directory given on the
// command line goes to LLVMFuzzerTestOneInput once, in a stable (sorted) order. A harness that finds a broken
// invariant aborts, so a regression fails this test exactly as it crashed the fuzzer. Used by the normal build's
// CTest entries fuzz_replay_<harness> (fuzz/CMakeLists.txt).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::filesystem::path> inputs_under(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> files;
  for (const auto& item : std::filesystem::recursive_directory_iterator(directory)) {
    if (item.is_regular_file() && item.path().filename().string().front() != '.') files.push_back(item.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR...  (replays every file under each DIR through the harness)\n", argv[0]);
    return 2;
  }
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path directory = argv[i];
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error)) {
      std::fprintf(stderr, "%s: not a directory\n", argv[i]);
      return 1;
    }
    auto files = inputs_under(directory);
    if (files.empty()) {
      std::fprintf(stderr, "%s: no inputs (an empty replay would test nothing)\n", argv[i]);
      return 1;
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "%s: cannot read\n", file.c_str());
        return 1;
      }
      std::fprintf(stderr, "replay %s (%zu bytes)\n", file.c_str(), bytes.size());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::printf("replayed %zu inputs\n", replayed);
  return 0;
}
