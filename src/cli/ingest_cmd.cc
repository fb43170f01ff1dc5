// agentperf ingest FILE...
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "event/json_decoder.h"
#include "event/json_encoder.h"
#include "ingest/decompress.h"

namespace agentperf::cli {
namespace {

Status ReadAll(const std::string& path, std::string* out) {
  FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::NotFound(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  bool err = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (err) return Status::IOError(fmt::format("reading {} failed", path));
  return Status::OK();
}

// Reads, decompresses and validates a whole file before anything is stored.
Status LoadFile(const std::string& path, event::JsonBatchDecoder* decoder, std::string* text, event::EventBatch* out) {
  std::string raw;
  AP_RETURN_IF_ERROR(ReadAll(path, &raw));
  ingest::Encoding enc = ingest::SniffEncoding(raw);
  if (enc != ingest::Encoding::kIdentity) {
    AP_RETURN_IF_ERROR(ingest::Decompress(enc, raw, size_t{16} << 30, event::JsonPadding(), text)
                           .WithContext(path));
  } else {
    *text = std::move(raw);
    text->reserve(text->size() + event::JsonPadding());
  }
  event::DecodeError err;
  Status st = decoder->Decode(*text, text->capacity(), WallMicros(), out, &err);
  if (!st.ok()) {
    return Status::InvalidArgument(fmt::format("{}: {} (nothing from this file was stored)", path, err.ToString()));
  }
  return Status::OK();
}

}  // namespace

std::function<int()> SetupIngest(CLI::App* cmd) {
  struct Opts {
    std::vector<std::string> files;
    Target target;
    size_t batch = 10000;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("FILE", o->files, "NDJSON or JSON-array files of events (gzip/zstd detected); - for stdin")
      ->required();
  AddTargetOptions(cmd, &o->target);
  cmd->add_option("--batch", o->batch, "events per durable batch")->capture_default_str()->check(CLI::Range(1, 100000));
  cmd->add_flag("--json", o->json, "print the summary as JSON");
  return [o]() -> int {
    event::Limits limits;
    limits.max_events_per_batch = SIZE_MAX;  // files are split into batches below
    event::JsonBatchDecoder decoder(limits);
    std::unique_ptr<store::EmbeddedStore> local;
    std::unique_ptr<net::HttpClient> client;
    if (o->target.remote()) {
      auto c = ConnectServer(o->target);
      if (!c.ok()) return Fail(c.status());
      client = std::make_unique<net::HttpClient>(std::move(c).value());
    } else {
      auto s = OpenLocalStore(o->target);
      if (!s.ok()) return Fail(s.status());
      local = std::move(s).value();
    }
    const bool progress = StderrIsTerminal() && !o->json;
    int64_t t0 = MonotonicNanos();
    uint64_t total = 0, accepted = 0, duplicates = 0;
    for (const auto& path : o->files) {
      std::string text;
      event::EventBatch all;
      Status st = LoadFile(path, &decoder, &text, &all);
      if (!st.ok()) return Fail(st);
      for (size_t begin = 0; begin < all.size(); begin += o->batch) {
        size_t end = std::min(all.size(), begin + o->batch);
        event::EventBatch slice = event::SliceView(all, begin, end);
        if (local) {
          event::DecodeError err;
          auto r = local->Append(std::move(slice), &err);
          if (!r.ok()) return Fail(r.status().WithContext(fmt::format("{}: events {}..{}", path, begin, end - 1)));
          accepted += r->accepted;
          duplicates += r->duplicates;
        } else {
          std::string body;
          event::EncodeBatchNdjson(slice, &body);
          auto r = client->Post("/v1/events", body, "application/x-ndjson");
          if (!r.ok()) return Fail(r.status());
          if (r->status != 200) return Fail(ServerError(*r).WithContext(fmt::format("{}: events {}..{}", path, begin, end - 1)));
          auto num = [&](std::string_view key) {
            size_t k = r->body.find(fmt::format("\"{}\":", key));
            return k == std::string::npos ? 0 : std::strtoull(r->body.c_str() + k + key.size() + 3, nullptr, 10);
          };
          accepted += num("accepted");
          duplicates += num("duplicates");
        }
        total += end - begin;
        if (progress) {
          fmt::print(stderr, "\r{}: {}/{} events ({:.0f}%)   ", path, end, all.size(),
                     100.0 * static_cast<double>(end) / static_cast<double>(all.size()));
        }
      }
      if (progress) fmt::print(stderr, "\n");
    }
    double secs = static_cast<double>(MonotonicNanos() - t0) / 1e9;
    if (o->json) {
      JsonWriter w;
      w.BeginObject()
          .Field("files", static_cast<uint64_t>(o->files.size()))
          .Field("events", total)
          .Field("accepted", accepted)
          .Field("duplicates", duplicates)
          .Field("seconds", secs)
          .EndObject();
      fmt::print("{}\n", w.str());
    } else {
      fmt::print("{} events from {} file(s): {} stored, {} already present ({:.2f}s, {:.0f} events/s)\n", total,
                 o->files.size(), accepted, duplicates, secs, secs > 0 ? static_cast<double>(total) / secs : 0.0);
    }
    return 0;
  };
}

}  // namespace agentperf::cli
