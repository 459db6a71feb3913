/*
 * The numbers of one piece of a JSON array, read straight from its bytes: the WebAssembly
 * build of the piece reader in number-array-bytes.ts (number-reader-wasm.ts loads it,
 * scripts/build-wasm.mjs builds it); the TOML scanner reads runs of a data array's numbers with it
 * too, and an output file's index counts its arrays with `count_values` (at the end). Every value it gives is the one that reader and JSON.parse give, in about 40 % of that
 * reader's time on a line of Python floats (issue 18: the reader was half of the ingest thread's
 * work). What helps: a significand of up to 19 digits is one exact 64-bit
 * integer, eight digits are added at a time, and no byte read is bounds-checked.
 *
 * A piece holding anything it does not decide (more than 19 significant digits, an exponent beyond
 * +-120, a fraction too close to a midpoint between doubles, NaN, Infinity, bad syntax) is
 * refused whole, as the JavaScript reader refuses such a piece; the caller then gives it to
 * JSON.parse. (It decides a little more than that reader: integers below 10^19 even at a
 * midpoint, zeros past 19 digits; and a little less: 20 significant digits.)
 *
 * Freestanding: no libc, no allocation. IEEE binary64 arithmetic with no fused operations
 * (-ffp-contract=off), so that every step rounds as in decimal-to-double.ts.
 */

#include <wasm_simd128.h> /* clang's own header: the SIMD intrinsics, for count_values only */

typedef unsigned char u8;
typedef unsigned long long u64;
typedef long long i64;

#define MIN_EXPONENT (-120)
#define MAX_EXPONENT 120
#define POWERS (MAX_EXPONENT - MIN_EXPONENT + 1)
/* 19 digits always fit a u64 (10^19 - 1 < 2^64). */
#define MAX_DIGITS 19

/* 10^e as a double-double and HIGH's Veltkamp split, e = MIN_EXPONENT + i: written by the
 * loader from powers-of-ten.ts, so that both readers round with the same table. */
static double power_high[POWERS];
static double power_low[POWERS];
static double power_high_upper[POWERS];
static double power_high_lower[POWERS];

static const double EXACT_POWERS[23] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static const u64 EXACT_INTEGER_POWERS[20] = {
  1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
  1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
  100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
  1000000000000000000ULL, 10000000000000000000ULL,
};

/* How many entries each table holds: the loader checks it against powers-of-ten.ts. */
__attribute__((export_name("power_count"))) int power_count(void) { return POWERS; }

__attribute__((export_name("power_table"))) double *power_table(int which) {
  return which == 0 ? power_high : which == 1 ? power_low : which == 2 ? power_high_upper : power_high_lower;
}

static inline int is_digit(u8 c) { return (unsigned)(c - '0') < 10; }

/* Eight bytes as one little-endian word: the input is padded, so a load may pass `end`. */
static inline u64 load8(const u8 *p) {
  u64 word;
  __builtin_memcpy(&word, p, 8);
  return word;
}

/* Whether all eight bytes of a word are ASCII digits (SWAR: no carry crosses a byte). */
static inline int eight_digits(u64 word) {
  return ((word & 0xF0F0F0F0F0F0F0F0ULL) | (((word + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
         0x3333333333333333ULL;
}

/* The value of eight digit bytes, the first most significant: three multiplies, not eight. */
static inline u64 eight_digits_value(u64 word) {
  word -= 0x3030303030303030ULL;
  word = word * 10 + (word >> 8); /* pairs of digits in every other byte */
  u64 pairs_low = word & 0x000000FF000000FFULL;
  u64 pairs_high = (word >> 16) & 0x000000FF000000FFULL;
  return (pairs_low * (100 + (1000000ULL << 32)) + pairs_high * (1 + (10000ULL << 32))) >> 32;
}

static inline double upper_half(double value) {
  double scaled = 134217729.0 * value; /* 2^27 + 1 */
  return scaled - (scaled - value);
}

/* The bound on the relative error of the double-double product (decimal-to-double.ts). */
#define ERROR_BOUND 0x1p-96

/*
 * significand × 10^exponent correctly rounded into *out, for a significand of `digits` digits,
 * at most 19; 0 when the rounding is not decided here. decimal-to-double.ts explains the method.
 */
static int round_decimal(u64 significand, int digits, int exponent, double *out) {
  if (significand <= (1ULL << 53) && exponent >= -22 && exponent <= 22) {
    /* Clinger: an exact significand times an exact power of ten, rounded once. */
    double exact = (double)(i64)significand;
    *out = exponent < 0 ? exact / EXACT_POWERS[-exponent] : exact * EXACT_POWERS[exponent];
    return 1;
  }
  if (exponent >= 0 && digits + exponent <= MAX_DIGITS) {
    /* An integer below 10^19 < 2^64: its conversion rounds correctly, even at a midpoint between
     * doubles (20439468184486030, as JavaScript writes it), which the double-double cannot decide. */
    *out = (double)(significand * EXACT_INTEGER_POWERS[exponent]);
    return 1;
  }
  if (exponent < MIN_EXPONENT || exponent > MAX_EXPONENT) return 0;
  /* The significand as w_high + w_low, exactly: the rounding error of a 64-bit integer's
   * conversion is below 2^11, an exact integer. */
  double w_high;
  double w_low;
  if (significand < (1ULL << 62)) { /* WebAssembly's unsigned conversions are slow on x86 */
    w_high = (double)(i64)significand;
    w_low = (double)((i64)significand - (i64)w_high);
  } else {
    w_high = (double)significand;
    w_low = (double)(i64)(significand - (u64)w_high);
  }
  int i = exponent - MIN_EXPONENT;
  double p_high = power_high[i];
  double h = w_high * p_high;
  double w_upper = upper_half(w_high);
  double w_lower = w_high - w_upper;
  double p_upper = power_high_upper[i];
  double p_lower = power_high_lower[i];
  double h_error = w_upper * p_upper - h + w_upper * p_lower + w_lower * p_upper + w_lower * p_lower;
  double rest = h_error + (w_high * power_low[i] + w_low * p_high);
  double rounded = h + rest;
  double remainder = rest - (rounded - h);
  double slack = ERROR_BOUND * __builtin_fabs(rounded);
  if (rounded + (remainder - slack) != rounded || rounded + (remainder + slack) != rounded) return 0;
  *out = rounded;
  return 1;
}

/* Line feeds too: a TOML data array puts a number on each line (toml-scanner.ts); a JSON line
 * holds none. A carriage return is refused: TOML allows it only before a line feed. */
static inline const u8 *skip_blanks(const u8 *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n') p++;
  return p;
}

/*
 * Reads the comma-separated numbers in [from, end) into out and returns how many, or -1 when
 * one of them is not a number decided here (the caller reads the piece another way). The byte
 * at `end` must not be a digit (a `,` or the array's `]`), and 7 more must be readable.
 */
__attribute__((export_name("read_numbers"))) int read_numbers(const u8 *from, const u8 *end, double *out) {
  const u8 *p = skip_blanks(from);
  int n = 0;
  while (p < end) {
    int negative = *p == '-';
    p += negative;
    u64 significand = 0;
    int digits = 0;
    int exponent = 0;
    if (*p == '0') {
      p++;
      if (is_digit(*p)) return -1; /* a leading zero: not JSON */
    } else if (is_digit(*p)) {
      while (digits <= MAX_DIGITS - 8 && eight_digits(load8(p))) {
        significand = significand * 100000000 + eight_digits_value(load8(p));
        digits += 8;
        p += 8;
      }
      while (is_digit(*p)) {
        if (digits == MAX_DIGITS) {
          if (*p != '0') return -1;
          exponent++; /* a zero past 19 digits (JavaScript writes integers up to 10^21 in full) */
        } else {
          significand = significand * 10 + (u64)(*p - '0');
          digits++;
        }
        p++;
      }
    } else {
      return -1; /* NaN, Infinity, anything else */
    }
    if (*p == '.') {
      p++;
      if (!is_digit(*p)) return -1;
      /* Zeros before the first significant digit (0.000123) only move the exponent. */
      if (significand == 0) {
        while (*p == '0') {
          exponent--;
          p++;
        }
      }
      while (digits <= MAX_DIGITS - 8 && eight_digits(load8(p))) {
        significand = significand * 100000000 + eight_digits_value(load8(p));
        digits += 8;
        exponent -= 8;
        p += 8;
      }
      while (is_digit(*p)) {
        if (digits == MAX_DIGITS) {
          if (*p != '0') return -1; /* a zero past 19 digits changes nothing */
        } else {
          significand = significand * 10 + (u64)(*p - '0');
          digits++;
          exponent--;
        }
        p++;
      }
    }
    if (*p == 'e' || *p == 'E') {
      p++;
      int sign = 1;
      if (*p == '-' || *p == '+') {
        if (*p == '-') sign = -1;
        p++;
      }
      if (!is_digit(*p)) return -1;
      int written = 0;
      do {
        if (written < 100000) written = written * 10 + (*p - '0');
        p++;
      } while (is_digit(*p));
      exponent += sign * written;
    }
    double value = 0;
    if (significand != 0 && !round_decimal(significand, digits, exponent, &value)) return -1;
    out[n++] = negative ? -value : value;
    p = skip_blanks(p);
    if (p == end) break;
    if (*p != ',') return -1;
    p = skip_blanks(p + 1);
    if (p == end) return -1; /* a trailing comma */
  }
  return n;
}

/*
 * The values of a TOML data array counted for a file's index (toml-array-counter.ts), sixteen
 * bytes at a time: the JavaScript loop's decisions exactly, for the bytes it takes here. A blank
 * (space, tab, LF, CR) changes nothing, a comma makes a value expected, and a plain byte (any
 * other but the special ones) starts a value when one is expected. Reads [from, end) up to the
 * first special byte other than a comma (`#`, `]`, `}`, quotes, `[`, `{`), whose offset it
 * returns; state[0] is whether a value is expected, in and out, and state[1] the values started.
 */
__attribute__((target("simd128"))) static inline unsigned bytes_equal(v128_t v, u8 c) {
  return (unsigned)wasm_i8x16_bitmask(wasm_i8x16_eq(v, wasm_i8x16_splat((signed char)c)));
}

static inline int is_special(u8 c) {
  return c == '#' || c == ']' || c == '}' || c == '"' || c == '\'' || c == '[' || c == '{';
}

__attribute__((export_name("count_values"), target("simd128"))) int count_values(const u8 *from, const u8 *end, int *state) {
  int expecting = state[0];
  int values = 0;
  const u8 *p = from;
  for (; end - p >= 16; p += 16) {
    v128_t v = wasm_v128_load(p);
    unsigned special = bytes_equal(v, '#') | bytes_equal(v, ']') | bytes_equal(v, '}') | bytes_equal(v, '"') |
                       bytes_equal(v, '\'') | bytes_equal(v, '[') | bytes_equal(v, '{');
    if (special) break; /* the bytes before it, byte by byte below */
    unsigned comma = bytes_equal(v, ',');
    unsigned blank = bytes_equal(v, ' ') | bytes_equal(v, '\t') | bytes_equal(v, '\n') | bytes_equal(v, '\r');
    unsigned plain = ~(comma | blank) & 0xffff;
    unsigned nonblank = plain | comma;
    /* A run of plain bytes starts a value when the non-blank byte before it is a comma (before
     * the block: when one was expected). Inside a run nothing is expected. */
    for (unsigned starts = plain & ~(plain << 1); starts != 0; starts &= starts - 1) {
      unsigned before = nonblank & ((1u << __builtin_ctz(starts)) - 1);
      values += before != 0 ? (comma >> (31 - __builtin_clz(before))) & 1 : expecting;
    }
    if (nonblank != 0) expecting = (comma >> (31 - __builtin_clz(nonblank))) & 1;
  }
  for (; p < end; p++) {
    u8 c = *p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == ',') {
      expecting = 1;
    } else if (is_special(c)) {
      break;
    } else {
      values += expecting;
      expecting = 0;
    }
  }
  state[0] = expecting;
  state[1] = values;
  return (int)(p - from);
}
