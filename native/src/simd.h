// One vector type per ISA, from GCC/Clang vector extensions: the same kernel source compiles to
// 16-lane AVX-512, 8-lane AVX2 or 4-lane SSE/NEON code, so the untested-here AVX-512 build runs the
// very code the AVX2 build is tested with. Included by isa-impl.h inside the ISA's namespace.
// Its standard and intrinsics headers are included by isa-impl.h, outside any namespace.
#pragma once

#if defined(__AVX512F__)
#define LORA_W 16
#elif defined(__AVX2__) && defined(__FMA__)
#define LORA_W 8
#else
#define LORA_W 4
#endif

constexpr int W = LORA_W;
typedef float vf __attribute__((vector_size(W * 4)));
typedef int32_t vi __attribute__((vector_size(W * 4)));
typedef uint32_t vu __attribute__((vector_size(W * 4)));

// One broadcast instruction (a load-and-broadcast where x comes from memory). Written as 0 + x it
// would cost a scalar add (−0 + 0 is +0), lane by lane a chain of inserts.
static inline vf splat(float x) {
#if LORA_W == 16
  return (vf)_mm512_set1_ps(x);
#elif LORA_W == 8
  return (vf)_mm256_set1_ps(x);
#elif defined(__SSE2__)
  return (vf)_mm_set1_ps(x);
#else
  vf v;
  for (int i = 0; i < W; i++) v[i] = x;
  return v;
#endif
}
static inline vf load(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
static inline void store(float* p, vf v) { std::memcpy(p, &v, sizeof v); }
/** The first n (< W) floats at p; the other lanes hold `fill`. */
static inline vf load_partial(const float* p, int64_t n, float fill) {
  vf v = splat(fill);
  std::memcpy(&v, p, n * sizeof(float));
  return v;
}
static inline void store_partial(float* p, vf v, int64_t n) { std::memcpy(p, &v, n * sizeof(float)); }

/** a·b + c, fused where the ISA has it (kernels are compiled with -ffp-contract=off, so only here). */
static inline vf fmadd(vf a, vf b, vf c) {
#if LORA_W == 16
  return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif LORA_W == 8
  return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}

// a + b where, if both are NaN, a's NaN comes out (x86 returns the first source operand's). Plain
// `a + b` leaves the order to the compiler, which may swap the operands of one copy of a loop and
// not another's; the GEMM epilogue's sums must not depend on which copy ran. The generic build keeps
// the compiler's order (its NaN payloads were never pinned down: checked only on the AVX builds).
static inline float add_first(float a, float b) {
#if defined(__AVX__)
  asm("vaddss %2, %1, %0" : "=v"(a) : "v"(a), "v"(b));
#else
  a += b;
#endif
  return a;
}
static inline vf add_first(vf a, vf b) {
#if defined(__AVX__)
  asm("vaddps %2, %1, %0" : "=v"(a) : "v"(a), "v"(b));
#else
  a += b;
#endif
  return a;
}

static inline vf vsqrt(vf x) {
#if LORA_W == 16
  return (vf)_mm512_sqrt_ps((__m512)x);
#elif LORA_W == 8
  return (vf)_mm256_sqrt_ps((__m256)x);
#elif defined(__SSE2__)
  return (vf)_mm_sqrt_ps((__m128)x);
#else
  for (int i = 0; i < W; i++) x[i] = std::sqrt(x[i]);
  return x;
#endif
}

static inline vf vabs(vf x) { return (vf)((vi)x & 0x7fffffff); }
static inline vf vmax(vf a, vf b) { return a > b ? a : b; }

static inline float hsum(vf v) {
  float s = 0;
  for (int i = 0; i < W; i++) s += v[i];
  return s;
}
static inline float hmax(vf v) {
  float m = v[0];
  for (int i = 1; i < W; i++) m = v[i] > m ? v[i] : m;
  return m;
}
