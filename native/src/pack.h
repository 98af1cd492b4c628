// K vectors handled as one value: every operation on a Pack is K independent vector instructions
// side by side. A transcendental's dependency chain (GELU's is ~170 cycles deep) then has K copies
// in flight right next to each other, where the out-of-order window could not reach the next
// element's chain on its own. Each lane still sees the same operations in the same order, so the
// results do not depend on K. Included by isa-impl.h inside the ISA's namespace after simd.h.
#pragma once

// GCC's inliner gives up on this many small templates; every one must fold into its caller.
#define LORA_PACK_INLINE static inline __attribute__((always_inline))

template <int K>
struct Pack {
  vf v[K];
};
template <int K>
struct Mask {
  vi v[K];
};

template <int K>
LORA_PACK_INLINE Pack<K> pack_splat(float x) {
  Pack<K> r;
  const vf s = splat(x);
  for (int k = 0; k < K; k++) r.v[k] = s;
  return r;
}
template <int K>
LORA_PACK_INLINE Pack<K> pack_load(const float* p) {
  Pack<K> r;
  for (int k = 0; k < K; k++) r.v[k] = load(p + k * W);
  return r;
}
template <int K>
LORA_PACK_INLINE void pack_store(float* p, Pack<K> a) {
  for (int k = 0; k < K; k++) store(p + k * W, a.v[k]);
}

#define LORA_PACK_ARITHMETIC(op)                                        \
  template <int K>                                                      \
  LORA_PACK_INLINE Pack<K> operator op(Pack<K> a, Pack<K> b) {          \
    Pack<K> r;                                                          \
    for (int k = 0; k < K; k++) r.v[k] = a.v[k] op b.v[k];              \
    return r;                                                           \
  }                                                                     \
  template <int K>                                                      \
  LORA_PACK_INLINE Pack<K> operator op(Pack<K> a, float b) {            \
    return a op pack_splat<K>(b);                                       \
  }
LORA_PACK_ARITHMETIC(+)
LORA_PACK_ARITHMETIC(-)
LORA_PACK_ARITHMETIC(*)
LORA_PACK_ARITHMETIC(/)
#undef LORA_PACK_ARITHMETIC

#define LORA_PACK_COMPARISON(op)                                        \
  template <int K>                                                      \
  LORA_PACK_INLINE Mask<K> operator op(Pack<K> a, Pack<K> b) {          \
    Mask<K> r;                                                          \
    for (int k = 0; k < K; k++) r.v[k] = a.v[k] op b.v[k];              \
    return r;                                                           \
  }                                                                     \
  template <int K>                                                      \
  LORA_PACK_INLINE Mask<K> operator op(Pack<K> a, float b) {            \
    return a op pack_splat<K>(b);                                       \
  }
LORA_PACK_COMPARISON(<)
LORA_PACK_COMPARISON(>)
LORA_PACK_COMPARISON(!=)
#undef LORA_PACK_COMPARISON

/** m ? a : b, lane by lane. */
template <int K>
LORA_PACK_INLINE Pack<K> select(Mask<K> m, Pack<K> a, Pack<K> b) {
  Pack<K> r;
  for (int k = 0; k < K; k++) r.v[k] = m.v[k] ? a.v[k] : b.v[k];
  return r;
}
template <int K>
LORA_PACK_INLINE Pack<K> select(Mask<K> m, float a, Pack<K> b) {
  return select(m, pack_splat<K>(a), b);
}
template <int K>
LORA_PACK_INLINE Pack<K> select(Mask<K> m, Pack<K> a, float b) {
  return select(m, a, pack_splat<K>(b));
}

template <int K>
LORA_PACK_INLINE Pack<K> pack_abs(Pack<K> a) {
  Pack<K> r;
  for (int k = 0; k < K; k++) r.v[k] = vabs(a.v[k]);
  return r;
}
/** The float whose bits are a's AND `bits`. */
template <int K>
LORA_PACK_INLINE Pack<K> pack_mask_bits(Pack<K> a, int32_t bits) {
  Pack<K> r;
  for (int k = 0; k < K; k++) r.v[k] = (vf)((vi)a.v[k] & bits);
  return r;
}
/** The float whose bits are ((bits of a) − (bits of b) + add) << shift, as int32 lanes. */
template <int K>
LORA_PACK_INLINE Pack<K> pack_bits_shifted(Pack<K> a, float b, int32_t add, int shift) {
  Pack<K> r;
  const vi bb = (vi)splat(b);
  for (int k = 0; k < K; k++) r.v[k] = (vf)((((vi)a.v[k] - bb) + add) << shift);
  return r;
}
