// agentperf opencode install | uninstall | env (design: docs/design/
// opencode-integration.md section 3.9; user docs: docs/opencode-plugin.md).
//
// install writes the embedded plugin (exact bytes, atomically), optionally the
// plugin's own config (--url/--token-file) and experimental.openTelemetry=true
// (--otel, a textual JSONC splice), and records exactly what it added in
// $XDG_STATE_HOME/agentperf/opencode-installs.json. uninstall reverses that
// record, and only where a file or value is still what install left.
#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/opencode_plugin_source.h"
#include "core/hash.h"
#include "core/json_writer.h"
#include "core/jsonc_edit.h"

namespace agentperf::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kOtelPointer = "/experimental/openTelemetry";
constexpr std::string_view kDefaultUrl = "http://127.0.0.1:7420";

// ---- files

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}
std::string Home() { return EnvOr("HOME", "/"); }
std::string ConfigHome() { return EnvOr("XDG_CONFIG_HOME", Home() + "/.config"); }
std::string StateHome() { return EnvOr("XDG_STATE_HOME", Home() + "/.local/state"); }

Result<std::optional<std::string>> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::optional<std::string>();
    return Status::IOError(fmt::format("cannot read {}", path));
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  return std::optional<std::string>(ss.str());
}

// Temp file, fsync, rename, fsync of the directory.
Status WriteAtomic(const std::string& path, std::string_view data, mode_t mode) {
  std::string tmp = fmt::format("{}.tmp-{}", path, getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::IOError(fmt::format("cannot create {}: {}", tmp, std::strerror(errno)));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::IOError(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
    }
    off += static_cast<size_t>(n);
  }
  ::fchmod(fd, mode);  // not subject to the umask
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError(fmt::format("cannot sync {}: {}", tmp, std::strerror(errno)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError(fmt::format("cannot rename to {}: {}", path, std::strerror(errno)));
  }
  int dfd = ::open(fs::path(path).parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

// mkdir -p; appends the directories it created, outermost first.
Status MakeDirs(const fs::path& dir, std::vector<std::string>* created) {
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path p = dir; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::IOError(fmt::format("cannot create {}: {}", it->string(), std::strerror(errno)));
    }
    if (created) created->push_back(it->string());
  }
  return Status::OK();
}

std::string HashOf(std::string_view data) { return "murmur3-128:" + Murmur3_128(data).ToHex(); }

// ---- the manifest

struct FileEntry {
  std::string path, hash;
};
struct ConfigEdit {
  std::string file, pointer, after, edited_hash;
  std::optional<std::string> before;  // raw JSON; nullopt: the key was absent
  bool created_file = false;
  std::vector<std::string> created_objects;
  std::string original;  // the whole file before the edit ("" if created)
};
struct Record {
  std::string target;
  std::vector<FileEntry> files_created;
  std::vector<std::string> dirs_created;
  std::vector<ConfigEdit> config_edits;
};
struct Manifest {
  std::vector<Record> installs;
  Record* Find(const std::string& target) {
    for (auto& r : installs) {
      if (r.target == target) return &r;
    }
    return nullptr;
  }
};

std::string ManifestPath() { return StateHome() + "/agentperf/opencode-installs.json"; }

Result<Manifest> LoadManifest() {
  Manifest m;
  AP_ASSIGN_OR_RETURN(auto text, ReadFile(ManifestPath()));
  if (!text) return m;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto bad = [&] { return Status::Corruption(fmt::format("{} is not a valid manifest", ManifestPath())); };
  if (parser.parse(*text).get(root) != simdjson::SUCCESS) return bad();
  simdjson::dom::array installs;
  if (root["installs"].get_array().get(installs) != simdjson::SUCCESS) return bad();
  auto str = [](simdjson::dom::element e, const char* k) {
    std::string_view v;
    return e[k].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  for (auto rec : installs) {
    Record r;
    r.target = str(rec, "target");
    simdjson::dom::array arr;
    if (rec["files_created"].get_array().get(arr) == simdjson::SUCCESS) {
      for (auto f : arr) r.files_created.push_back({str(f, "path"), str(f, "hash")});
    }
    if (rec["dirs_created"].get_array().get(arr) == simdjson::SUCCESS) {
      for (auto d : arr) {
        std::string_view v;
        if (d.get_string().get(v) == simdjson::SUCCESS) r.dirs_created.emplace_back(v);
      }
    }
    if (rec["config_edits"].get_array().get(arr) == simdjson::SUCCESS) {
      for (auto e : arr) {
        ConfigEdit c;
        c.file = str(e, "file");
        c.pointer = str(e, "pointer");
        c.after = str(e, "after");
        c.edited_hash = str(e, "edited_hash");
        c.original = str(e, "original");
        if (!e["before"].is_null()) c.before = str(e, "before");
        bool b = false;
        if (e["created_file"].get_bool().get(b) == simdjson::SUCCESS) c.created_file = b;
        simdjson::dom::array objs;
        if (e["created_objects"].get_array().get(objs) == simdjson::SUCCESS) {
          for (auto o : objs) {
            std::string_view v;
            if (o.get_string().get(v) == simdjson::SUCCESS) c.created_objects.emplace_back(v);
          }
        }
        r.config_edits.push_back(std::move(c));
      }
    }
    m.installs.push_back(std::move(r));
  }
  return m;
}

Status SaveManifest(const Manifest& m) {
  JsonWriter w;
  w.BeginObject().Field("version", 1).Key("installs").BeginArray();
  for (const auto& r : m.installs) {
    w.BeginObject().Field("target", r.target).Key("files_created").BeginArray();
    for (const auto& f : r.files_created) w.BeginObject().Field("path", f.path).Field("hash", f.hash).EndObject();
    w.EndArray().Key("dirs_created").BeginArray();
    for (const auto& d : r.dirs_created) w.String(d);
    w.EndArray().Key("config_edits").BeginArray();
    for (const auto& c : r.config_edits) {
      w.BeginObject().Field("file", c.file).Field("pointer", c.pointer);
      w.Key("before");
      if (c.before) w.String(*c.before); else w.Null();
      w.Field("after", c.after).Field("created_file", c.created_file).Key("created_objects").BeginArray();
      for (const auto& o : c.created_objects) w.String(o);
      w.EndArray().Field("edited_hash", c.edited_hash).Field("original", c.original).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  std::string text = w.Take() + "\n";
  AP_RETURN_IF_ERROR(MakeDirs(fs::path(ManifestPath()).parent_path(), nullptr));
  return WriteAtomic(ManifestPath(), text, 0644);
}

// ---- targets

struct Target {
  std::string key;         // "project:/abs" or "global:/abs"
  fs::path plugin_dir;     // where agentperf.js goes
  std::vector<fs::path> config_candidates;  // opencode.json(c), in OpenCode's load order
  fs::path config_default;                 // created when none exists
};

Target ResolveTarget(bool global, const std::string& project) {
  Target t;
  if (global) {
    fs::path dir = fs::path(ConfigHome()) / "opencode";
    t.key = "global:" + dir.string();
    t.plugin_dir = dir / "plugin";
    t.config_candidates = {dir / "config.json", dir / "opencode.json", dir / "opencode.jsonc"};
    t.config_default = dir / "opencode.json";
  } else {
    std::error_code ec;
    fs::path dir = fs::weakly_canonical(fs::absolute(project.empty() ? "." : project), ec);
    t.key = "project:" + dir.string();
    t.plugin_dir = dir / ".opencode" / "plugin";
    t.config_candidates = {dir / "opencode.json", dir / ".opencode" / "opencode.json", dir / ".opencode" / "opencode.jsonc"};
    t.config_default = dir / "opencode.json";
  }
  return t;
}

std::string PluginConfigPath() { return ConfigHome() + "/agentperf/opencode-plugin.json"; }

// ---- install

struct InstallOptions {
  bool global = false, otel = false, force = false;
  std::string project, url, token_file;
};

// Writes `data` to `path` unless a file that install did not leave there is
// in the way (then only with --force). Records a newly created file.
Status PutFile(Record* rec, const std::string& path, std::string_view data, mode_t mode, bool force, bool* changed) {
  AP_ASSIGN_OR_RETURN(auto cur, ReadFile(path));
  FileEntry* entry = nullptr;
  for (auto& f : rec->files_created) {
    if (f.path == path) entry = &f;
  }
  *changed = false;
  if (cur && *cur == data) {
    if (entry) entry->hash = HashOf(data);
    return Status::OK();
  }
  if (cur && !force && !(entry && entry->hash == HashOf(*cur))) {
    return Status::AlreadyExists(fmt::format(
        "{} exists and is not the file agentperf installed (changed since, or someone else's); --force overwrites it",
        path));
  }
  std::vector<std::string> dirs;
  AP_RETURN_IF_ERROR(MakeDirs(fs::path(path).parent_path(), &dirs));
  rec->dirs_created.insert(rec->dirs_created.end(), dirs.begin(), dirs.end());
  AP_RETURN_IF_ERROR(WriteAtomic(path, data, mode));
  *changed = true;
  if (entry) {
    entry->hash = HashOf(data);
  } else if (!cur) {
    rec->files_created.push_back({path, HashOf(data)});
  }
  return Status::OK();
}

Status EnableOtel(Record* rec, const Target& t, bool force) {
  fs::path file = t.config_default;
  std::error_code ec;
  for (const auto& c : t.config_candidates) {
    if (fs::exists(c, ec)) {
      file = c;
      break;
    }
  }
  AP_ASSIGN_OR_RETURN(auto cur, ReadFile(file.string()));
  std::string base = cur ? *cur : std::string("{\n  \"$schema\": \"https://opencode.ai/config.json\"\n}\n");
  auto set = jsonc::Set(base, kOtelPointer, "true");
  if (!set.ok()) return set.status().WithContext(file.string());
  if (set->before && *set->before == "true") {
    fmt::print("{}: experimental.openTelemetry is already true\n", file.string());
    return Status::OK();
  }
  if (set->before && !force) {
    return Status::FailedPrecondition(fmt::format(
        "{}: experimental.openTelemetry is {}; --force sets it to true", file.string(), *set->before));
  }
  std::vector<std::string> dirs;
  AP_RETURN_IF_ERROR(MakeDirs(file.parent_path(), &dirs));
  rec->dirs_created.insert(rec->dirs_created.end(), dirs.begin(), dirs.end());
  mode_t mode = 0644;
  struct stat st;
  if (cur && ::stat(file.c_str(), &st) == 0) mode = st.st_mode & 07777;
  AP_RETURN_IF_ERROR(WriteAtomic(file.string(), set->text, mode));
  ConfigEdit edit;
  edit.file = file.string();
  edit.pointer = std::string(kOtelPointer);
  edit.before = set->before;
  edit.after = "true";
  edit.created_file = !cur.has_value();
  edit.created_objects = set->created_objects;
  edit.original = cur ? *cur : "";
  edit.edited_hash = HashOf(set->text);
  rec->config_edits.push_back(std::move(edit));
  fmt::print("{}: set experimental.openTelemetry = true\n", file.string());
  return Status::OK();
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''"; else out += c;
  }
  return out + "'";
}

Result<std::string> ReadToken(const std::string& file) {
  AP_ASSIGN_OR_RETURN(auto t, ReadFile(file));
  if (!t) return Status::NotFound(fmt::format("token file {} does not exist", file));
  std::string s = *t;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string EnvLines(const std::string& url, const std::string& token) {
  std::string out = fmt::format("export AGENTPERF_URL={}\nexport OTEL_EXPORTER_OTLP_ENDPOINT={}\n", ShellQuote(url), ShellQuote(url));
  if (!token.empty()) out += fmt::format("export OTEL_EXPORTER_OTLP_HEADERS={}\n", ShellQuote("Authorization=Bearer " + token));
  out += "export OTEL_BSP_SCHEDULE_DELAY=500\n";
  return out;
}

Status Install(const InstallOptions& o) {
  Target t = ResolveTarget(o.global, o.project);
  AP_ASSIGN_OR_RETURN(Manifest m, LoadManifest());
  Record* rec = m.Find(t.key);
  if (!rec) {
    m.installs.push_back(Record{t.key, {}, {}, {}});
    rec = &m.installs.back();
  }
  std::string plugin = (t.plugin_dir / "agentperf.js").string();
  bool changed = false;
  Status s = PutFile(rec, plugin, kOpencodePluginSource, 0644, o.force, &changed);
  if (s.ok()) fmt::print("{}: {}\n", plugin, changed ? "installed" : "already up to date");
  if (s.ok() && (!o.url.empty() || !o.token_file.empty())) {
    std::string token;
    if (!o.token_file.empty()) {
      auto tok = ReadToken(o.token_file);
      if (!tok.ok()) s = tok.status(); else token = *tok;
    }
    if (s.ok()) {
      JsonWriter w;
      w.BeginObject().Field("url", o.url.empty() ? std::string(kDefaultUrl) : o.url);
      if (!token.empty()) w.Field("token", token);
      w.EndObject();
      s = PutFile(rec, PluginConfigPath(), w.Take() + "\n", 0600, o.force, &changed);
      if (s.ok()) fmt::print("{}: {}\n", PluginConfigPath(), changed ? "written (mode 0600)" : "unchanged");
    }
  }
  if (s.ok() && o.otel) s = EnableOtel(rec, t, o.force);
  // Whatever was done is recorded, even when a later step failed.
  if (rec->files_created.empty() && rec->config_edits.empty() && rec->dirs_created.empty()) {
    m.installs.erase(m.installs.begin() + (rec - m.installs.data()));
  }
  AP_RETURN_IF_ERROR(SaveManifest(m));
  AP_RETURN_IF_ERROR(s);
  if (o.otel) {
    std::string url = o.url.empty() ? EnvOr("AGENTPERF_URL", std::string(kDefaultUrl)) : o.url;
    fmt::print("OpenCode reads the OTLP endpoint only from the environment; run:\n  eval \"$(agentperf opencode env --url {})\"\n",
               ShellQuote(url));
  }
  return Status::OK();
}

// ---- uninstall

Status UndoEdit(const ConfigEdit& e) {
  AP_ASSIGN_OR_RETURN(auto cur, ReadFile(e.file));
  if (!cur) return Status::OK();
  if (HashOf(*cur) == e.edited_hash) {  // untouched since: restore the exact bytes
    if (e.created_file) {
      if (::unlink(e.file.c_str()) != 0) return Status::IOError(fmt::format("cannot remove {}", e.file));
      fmt::print("{}: removed (agentperf created it)\n", e.file);
      return Status::OK();
    }
    fmt::print("{}: restored\n", e.file);
    struct stat st;
    mode_t mode = ::stat(e.file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
    return WriteAtomic(e.file, e.original, mode);
  }
  auto value = jsonc::Get(*cur, e.pointer);
  if (!value.ok() || !value->has_value() || **value != e.after) {
    fmt::print(stderr, "agentperf: warning: {}: {} was changed since install; left as is\n", e.file, e.pointer);
    return Status::OK();
  }
  std::string text;
  if (e.before) {
    AP_ASSIGN_OR_RETURN(auto r, jsonc::Set(*cur, e.pointer, *e.before));
    text = std::move(r.text);
  } else {
    AP_ASSIGN_OR_RETURN(text, jsonc::Remove(*cur, e.pointer));
    for (auto it = e.created_objects.rbegin(); it != e.created_objects.rend(); ++it) {
      AP_ASSIGN_OR_RETURN(bool empty, jsonc::IsEmptyObject(text, *it));
      if (empty) {
        AP_ASSIGN_OR_RETURN(text, jsonc::Remove(text, *it));
      }
    }
  }
  if (e.created_file) {
    AP_ASSIGN_OR_RETURN(auto keys, jsonc::RootKeys(text));
    if (keys.empty() || (keys.size() == 1 && keys[0] == "$schema")) {
      ::unlink(e.file.c_str());
      fmt::print("{}: removed (agentperf created it)\n", e.file);
      return Status::OK();
    }
  }
  struct stat st;
  mode_t mode = ::stat(e.file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  fmt::print("{}: {} undone\n", e.file, e.pointer);
  return WriteAtomic(e.file, text, mode);
}

Status Uninstall(bool global, const std::string& project) {
  Target t = ResolveTarget(global, project);
  AP_ASSIGN_OR_RETURN(Manifest m, LoadManifest());
  Record* rec = m.Find(t.key);
  if (!rec) {
    fmt::print("nothing installed by agentperf for {}\n", t.key);
    return Status::OK();
  }
  Status first;
  for (auto it = rec->config_edits.rbegin(); it != rec->config_edits.rend(); ++it) {
    Status s = UndoEdit(*it);
    if (!s.ok() && first.ok()) first = s;
  }
  for (const auto& f : rec->files_created) {
    bool shared = false;
    for (const auto& other : m.installs) {
      if (&other == rec) continue;
      for (const auto& g : other.files_created) shared = shared || g.path == f.path;
    }
    auto cur = ReadFile(f.path);
    if (!cur.ok() || !cur->has_value() || shared) continue;
    if (HashOf(**cur) != f.hash) {
      fmt::print(stderr, "agentperf: warning: {} was changed since install; kept\n", f.path);
      continue;
    }
    if (::unlink(f.path.c_str()) == 0) fmt::print("{}: removed\n", f.path);
  }
  for (auto it = rec->dirs_created.rbegin(); it != rec->dirs_created.rend(); ++it) {
    ::rmdir(it->c_str());  // only if empty; OpenCode may have put files there
  }
  m.installs.erase(m.installs.begin() + (rec - m.installs.data()));
  AP_RETURN_IF_ERROR(SaveManifest(m));
  return first;
}

}  // namespace

std::function<int()> SetupOpencode(CLI::App* cmd) {
  cmd->require_subcommand(1);
  auto o = std::make_shared<InstallOptions>();
  auto u = std::make_shared<InstallOptions>();
  auto env_url = std::make_shared<std::string>();
  auto env_token = std::make_shared<std::string>();

  auto* install = cmd->add_subcommand("install", "install the plugin (and optionally enable OpenCode's OpenTelemetry)");
  auto* ig = install->add_flag("--global", o->global, "into ~/.config/opencode/plugin/ (all projects)");
  install->add_option("--project", o->project, "into DIR/.opencode/plugin/ (default: the current directory)")
      ->excludes(ig);
  install->add_flag("--otel", o->otel, "also set experimental.openTelemetry=true in the opencode config");
  install->add_option("--url", o->url, "the agentperf server (written to the plugin's own config file)");
  install->add_option("--token-file", o->token_file, "a file holding the server's token (kept out of the project)");
  install->add_flag("--force", o->force, "overwrite a changed plugin file or a different openTelemetry value");

  auto* uninstall = cmd->add_subcommand("uninstall", "remove exactly what install added, where unchanged since");
  auto* ug = uninstall->add_flag("--global", u->global, "the global install");
  uninstall->add_option("--project", u->project, "the install in DIR (default: the current directory)")->excludes(ug);

  auto* env = cmd->add_subcommand("env", "print the environment for OpenCode's OTLP export: eval \"$(agentperf opencode env)\"");
  env->add_option("--url", *env_url, "the agentperf server (default $AGENTPERF_URL or http://127.0.0.1:7420)");
  env->add_option("--token-file", *env_token, "a file holding the server's token");

  return [=]() -> int {
    if (install->parsed()) {
      Status s = Install(*o);
      return s.ok() ? 0 : Fail(s);
    }
    if (uninstall->parsed()) {
      Status s = Uninstall(u->global, u->project);
      return s.ok() ? 0 : Fail(s);
    }
    std::string url = env_url->empty() ? EnvOr("AGENTPERF_URL", std::string(kDefaultUrl)) : *env_url;
    std::string token = EnvOr("AGENTPERF_TOKEN", "");
    if (!env_token->empty()) {
      auto t = ReadToken(*env_token);
      if (!t.ok()) return Fail(t.status());
      token = *t;
    }
    fmt::print("{}", EnvLines(url, token));
    return 0;
  };
}

}  // namespace agentperf::cli
