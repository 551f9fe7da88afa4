#pragma once
// Maps one JSON object onto one typed config struct. Each read names its key once;
// finish() then rejects every key that no read asked for, so a typo in a config
// file is an error ("unknown key 'trainer.bacth'"), never a silent default.
//
//   ConfigReader reader(json, "trainer");
//   reader.optional("batch", config.batch);   // keeps the default when absent
//   reader.required("lr", config.lr);
//   ConfigReader ema = reader.child("ema");   // nested struct
//   reader.finish();
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/config_error.h"

namespace dact::config {

class ConfigReader {
 public:
  // `node` must outlive the reader. `path` is the key path of `node` ("" = root).
  ConfigReader(const nlohmann::json& node, std::string path);

  template <class T>
  void optional(const std::string& key, T& value) {
    if (const nlohmann::json* entry = take(key)) value = convert<T>(*entry, key_path(key));
  }

  // A nullable field (Python's None): absent keeps `value`, null resets it.
  template <class T>
  void optional(const std::string& key, std::optional<T>& value) {
    taken_.insert(key);
    const auto entry = node_.find(key);
    if (entry == node_.end()) return;
    if (entry->is_null()) {
      value.reset();
    } else {
      value = convert<T>(*entry, key_path(key));
    }
  }

  template <class T>
  void required(const std::string& key, T& value) {
    const nlohmann::json* entry = take(key);
    if (!entry) throw ConfigError("missing required key '" + key_path(key) + "'");
    value = convert<T>(*entry, key_path(key));
  }

  // A string naming one of `choices` (absent keeps `value`); another name is a
  // ConfigError listing the choices.
  template <class T>
  void choice(const std::string& key, T& value, const std::vector<std::pair<std::string, T>>& choices) {
    if (!has(key)) return;
    std::string name;
    optional(key, name);
    std::string known;
    for (const auto& [choice_name, choice_value] : choices) {
      if (choice_name == name) {
        value = choice_value;
        return;
      }
      known += (known.empty() ? "" : ", ") + choice_name;
    }
    throw ConfigError("config key '" + key_path(key) + "' is '" + name + "' (expected " + known + ")");
  }

  // The object under `key` (an empty object when absent); must be finished too.
  ConfigReader child(const std::string& key);

  bool has(const std::string& key) const;

  // Throws ConfigError naming every key under this node that was never read.
  void finish() const;

  // The full path of `key` ("model.use_fp16"), for errors about its value.
  std::string key_path(const std::string& key) const;

 private:
  const nlohmann::json* take(const std::string& key);

  template <class T>
  static T convert(const nlohmann::json& value, const std::string& path);

  const nlohmann::json& node_;
  std::string path_;
  std::set<std::string> taken_;
};

// Type names in errors say what the user should have written.
[[noreturn]] void throw_wrong_type(const std::string& path, const char* expected,
                                   const nlohmann::json& value);

template <class T>
T ConfigReader::convert(const nlohmann::json& value, const std::string& path) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!value.is_boolean()) throw_wrong_type(path, "a boolean", value);
    return value.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!value.is_number_integer()) throw_wrong_type(path, "an integer", value);
    if constexpr (std::is_unsigned_v<T>) {
      if (value.get<int64_t>() < 0) throw_wrong_type(path, "a non-negative integer", value);
    }
    return value.get<T>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!value.is_number()) throw_wrong_type(path, "a number", value);
    return value.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!value.is_string()) throw_wrong_type(path, "a string", value);
    return value.get<std::string>();
  } else if constexpr (std::is_same_v<T, nlohmann::json>) {
    return value;
  } else if constexpr (std::is_same_v<T, std::vector<typename T::value_type>>) {
    if (!value.is_array()) throw_wrong_type(path, "a list", value);
    T items;
    for (size_t i = 0; i < value.size(); ++i) {
      items.push_back(convert<typename T::value_type>(value[i], path + "[" + std::to_string(i) + "]"));
    }
    return items;
  } else {
    static_assert(std::is_same_v<T, std::map<std::string, typename T::mapped_type>>,
                  "unsupported config field type");
    if (!value.is_object()) throw_wrong_type(path, "an object", value);
    T items;
    for (const auto& [key, item] : value.items()) {
      items[key] = convert<typename T::mapped_type>(item, path + "." + key);
    }
    return items;
  }
}

}  // namespace dact::config
