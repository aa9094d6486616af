// `hardend image import|exists|tag`: the offline image tooling the set-up and tests use (no registry needed).
#include "cli/context.h"
#include "policy/image_ref.h"

namespace hardend::cli {
namespace {

struct ImageOptions {
  std::string tar_path;
  std::string reference;
  std::string target;
};

// The image commands load no config: the runtime is --runtime, else docker.
int with_client(const GlobalOptions& global, const std::function<Status(docker::Client&)>& action) {
  auto client = make_client_for(global.runtime.empty() ? std::string("docker") : global.runtime);
  if (!client.ok()) {
    print_error(client.error().message);
    return kUsageError;
  }
  auto status = action(*client);
  if (!status.ok()) {
    print_error(status.error().message);
    return kFailed;
  }
  return kOk;
}

}  // namespace

void add_image_command(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<ImageOptions>();
  auto* image = app.add_subcommand("image", "Import and inspect images without a registry");
  image->require_subcommand(1);

  auto* import_cmd = image->add_subcommand("import", "Import a root filesystem tar as IMAGE:TAG (Engine API)");
  import_cmd->add_option("tar", options->tar_path, "root filesystem tar")->required()->check(CLI::ExistingFile);
  import_cmd->add_option("image", options->reference, "name:tag to give it")->required();
  import_cmd->callback([&global, &exit_code, options] {
    exit_code = with_client(global, [&](docker::Client& client) -> Status {
      auto ref = policy::parse_image_ref(options->reference);
      if (!ref.ok()) return ref.take_error();
      // The tag travels inside `repo` ("name:tag") with an empty `tag`: Docker accepts both forms, while Podman's
      // compatible API (4.3) ignores the `tag` parameter and would name the image name:latest.
      HARDEND_TRY_VOID(client.import_image(options->tar_path,
                                           ref->tag.empty() ? ref->name() : ref->name() + ":" + ref->tag, ""));
      std::cout << "imported " << ref->full() << "\n";
      return {};
    });
  });

  auto* exists = image->add_subcommand("exists", "Exit 0 when the image is present, 1 when not");
  exists->add_option("image", options->reference, "image reference")->required();
  exists->callback([&global, &exit_code, options] {
    exit_code = with_client(global, [&](docker::Client& client) -> Status {
      auto inspected = client.inspect_image(options->reference);
      if (!inspected.ok()) return inspected.take_error();
      std::cout << inspected->value("Id", "") << "\n";
      return {};
    });
  });

  auto* tag = image->add_subcommand("tag", "Give an image another name (e.g. to test per-image keys)");
  tag->add_option("source", options->reference, "existing image")->required();
  tag->add_option("target", options->target, "new name:tag")->required();
  tag->callback([&global, &exit_code, options] {
    exit_code = with_client(global, [&](docker::Client& client) -> Status {
      auto ref = policy::parse_image_ref(options->target);
      if (!ref.ok()) return ref.take_error();
      return client.tag_image(options->reference, ref->name(), ref->tag);
    });
  });
}

}  // namespace hardend::cli
