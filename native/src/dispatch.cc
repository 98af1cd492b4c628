#include <cstring>
#include <string>

#include "isa.h"

namespace lora {

namespace {

bool runs(const char* name) {
  if (std::strcmp(name, "generic") == 0) return true;
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  // libgcc's checks include the operating system's support (XCR0) for the wider registers.
  if (std::strcmp(name, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (std::strcmp(name, "avx512") == 0)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return false;
}

const Isa* table_of(const char* name) {
#if defined(__x86_64__) || defined(_M_X64)
  if (std::strcmp(name, "avx512") == 0) return avx512::table();
  if (std::strcmp(name, "avx2") == 0) return avx2::table();
#endif
  if (std::strcmp(name, "generic") == 0) return generic::table();
  return nullptr;
}

const char* const kFastestFirst[] = {"avx512", "avx2", "generic"};

}  // namespace

const Isa* find_isa(const char* name) {
  if (name[0] == '\0' || std::strcmp(name, "best") == 0) {
    for (const char* n : kFastestFirst)
      if (table_of(n) && runs(n)) return table_of(n);
    return nullptr;
  }
  return table_of(name) && runs(name) ? table_of(name) : nullptr;
}

const char* supported_isas() {
  static const std::string list = [] {
    std::string s;
    for (const char* n : kFastestFirst) {
      if (!table_of(n) || !runs(n)) continue;
      if (!s.empty()) s += ",";
      s += n;
    }
    return s;
  }();
  return list.c_str();
}

}  // namespace lora
