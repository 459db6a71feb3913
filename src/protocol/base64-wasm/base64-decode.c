/*
 * Base64 (standard alphabet, no padding: the caller strips it) decoded straight from bytes: the
 * WebAssembly decoder of binary traces (SPEC §12; base64-wasm.ts loads it, scripts/build-wasm.mjs
 * builds it). Node 20 decodes base64 only from a string, so a 107 KB trace line cost the ingest a
 * 107 KB string and its garbage collection (issue 18, bench/RESULTS.md).
 *
 * Strict: any byte outside `A-Z a-z 0-9 + /` fails the whole piece (-1), where Node's decoder
 * skips it. A leftover bit or two in the last character is ignored, as Node and Python do.
 *
 * Sixteen characters at a time with SIMD (W. Mula and D. Lemire's method: each byte's nibbles index
 * two tables whose AND is non-zero for a byte outside the alphabet; a third table gives the offset
 * from the character to its 6-bit value), the rest one group of four at a time.
 */

#include <wasm_simd128.h> /* clang's own header: the SIMD intrinsics */

typedef unsigned char u8;
typedef unsigned int u32;

/* 6-bit value of each byte, -1 outside the alphabet. */
static const signed char VALUE[256] = {
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
  52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
  -1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
  15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
  -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
  41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

/* Groups of four characters, then a last two or three; -1 on a byte outside the alphabet. */
static int decode_groups(const u8 *in, int length, u8 *out) {
  int written = 0;
  int invalid = 0;
  int i = 0;
  for (; i + 4 <= length; i += 4) {
    int a = VALUE[in[i]], b = VALUE[in[i + 1]], c = VALUE[in[i + 2]], d = VALUE[in[i + 3]];
    invalid |= a | b | c | d;
    u32 bits = ((u32)a << 18) | ((u32)b << 12) | ((u32)c << 6) | (u32)d;
    out[written] = (u8)(bits >> 16);
    out[written + 1] = (u8)(bits >> 8);
    out[written + 2] = (u8)bits;
    written += 3;
  }
  int left = length - i;
  if (left == 1) return -1;
  if (left >= 2) {
    int a = VALUE[in[i]], b = VALUE[in[i + 1]];
    invalid |= a | b;
    out[written++] = (u8)(((u32)a << 2) | ((u32)b >> 4));
    if (left == 3) {
      int c = VALUE[in[i + 2]];
      invalid |= c;
      out[written++] = (u8)(((u32)b << 4) | ((u32)c >> 2));
    }
  }
  return invalid < 0 ? -1 : written;
}

/*
 * Decodes `length` characters at `in` into `out`; returns the bytes written, or -1 when a byte is
 * outside the alphabet or the length leaves a single character. `out` needs 4 bytes of room past
 * the decoded bytes (each step stores 16 bytes, 12 of them decoded).
 */
__attribute__((export_name("decode"), target("simd128"))) int decode(const u8 *in, int length, u8 *out) {
  const v128_t by_low_nibble = wasm_i8x16_const(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
  const v128_t by_high_nibble = wasm_i8x16_const(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
  /* Offset to the 6-bit value by high nibble; index 1 is `/`, found apart (it shares `+`'s nibble). */
  const v128_t offset = wasm_i8x16_const(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const v128_t low_nibble = wasm_i8x16_splat(0x0f);
  const v128_t slash = wasm_i8x16_splat('/');
  const v128_t low_six = wasm_i16x8_splat(0x003f);
  const v128_t low_half = wasm_i32x4_splat(0x0000ffff);
  /* The three bytes of each 32-bit lane's 24 bits, high first; the last 4 bytes zero. */
  const v128_t to_bytes = wasm_i8x16_const(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  v128_t invalid = wasm_i8x16_splat(0);
  int written = 0;
  int i = 0;
  for (; i + 16 <= length; i += 16) {
    v128_t chars = wasm_v128_load(in + i);
    v128_t high = wasm_u8x16_shr(chars, 4);
    invalid = wasm_v128_or(invalid, wasm_v128_and(wasm_i8x16_swizzle(by_low_nibble, wasm_v128_and(chars, low_nibble)),
                                                  wasm_i8x16_swizzle(by_high_nibble, high)));
    v128_t index = wasm_i8x16_add(wasm_i8x16_eq(chars, slash), high);
    v128_t sextets = wasm_i8x16_add(chars, wasm_i8x16_swizzle(offset, index));
    /* Pairs of sextets into 12 bits (16-bit lanes), pairs of those into 24 bits (32-bit lanes). */
    v128_t twelve = wasm_i16x8_add(wasm_i16x8_shl(wasm_v128_and(sextets, low_six), 6), wasm_u16x8_shr(sextets, 8));
    v128_t twenty_four = wasm_i32x4_add(wasm_i32x4_shl(wasm_v128_and(twelve, low_half), 12), wasm_u32x4_shr(twelve, 16));
    wasm_v128_store(out + written, wasm_i8x16_swizzle(twenty_four, to_bytes));
    written += 12;
  }
  if (wasm_v128_any_true(invalid)) return -1;
  int rest = decode_groups(in + i, length - i, out + written);
  return rest < 0 ? -1 : written + rest;
}
