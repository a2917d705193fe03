/*
 * The prefilter's scan loop (src/detect/literal-scan.ts) in C: the same tables, built by the TypeScript scanner
 * into one ArrayBuffer, walked the same way, so both report the same literals in the same order. A JS loop over a
 * payload costs ~3-5 ns per byte; this one ~1. Only the distinct mode (each literal at most once per scan, what the
 * rule prefilter asks for) is here. Called as scanDistinct(tables, text, off, len, gen, out) -> literals written
 * to out.
 */
#include <stdint.h>
#include <string.h>
#ifndef LITERAL_SCAN_CORE_ONLY
#include <node_api.h>
#endif

/* Header of the tables (int32 words), offsets in int32 words from the start. */
enum {
  H_STATES, H_SHIFT4, H_ONE_COUNT, H_ROWS, H_ROW_OF, H_CHILD_START, H_CHILD_BYTE, H_CHILD_STATE, H_OUT_START,
  H_OUT_IDS, H_ONE, H_ONE_LIST, H_PRE2, H_SHORT2, H_PRE4, H_REPORTED, H_CHAIN_START, H_CHAIN, H_WIDE,
  H_PAIR_Q, H_PAIR_2, H_SHIFT_Q, H_WORDS
};

static uint8_t FOLD[256];

typedef struct {
  const int32_t *rows, *rowOf, *childStart, *childState, *outStart, *outIds;
  const uint8_t *childByte;
  uint32_t *reported;
  uint32_t gen;
  int32_t *out;
  int32_t n;
} Scan;

static inline void report(Scan *sc, int32_t s) {
  if (sc->reported[s] == sc->gen) return;
  sc->reported[s] = sc->gen;
  for (int32_t j = sc->outStart[s], e = sc->outStart[s + 1]; j < e; j++) sc->out[sc->n++] = sc->outIds[j];
}

/* Reports state s's literals and follows the trie from it with the text from position j. */
static void walk_from(Scan *sc, const uint8_t *t, int32_t s, int64_t j, int64_t end) {
  for (;; j++) {
    if (sc->outStart[s] != sc->outStart[s + 1]) report(sc, s);
    if (j >= end) return;
    uint8_t b = FOLD[t[j]];
    int32_t next = -1;
    for (int32_t k = sc->childStart[s], stop = sc->childStart[s + 1]; k < stop; k++) {
      uint8_t v = sc->childByte[k];
      if (v == b) {
        next = sc->childState[k];
        break;
      }
      if (v > b) break;
    }
    if (next < 0) return;
    s = next;
  }
}

/* From the root at position i: every literal of 2+ bytes starting there (1-byte literals are searched apart). */
static void walk(Scan *sc, const uint8_t *t, int64_t i, int64_t end) {
  int32_t s = sc->rows[FOLD[t[i]]];
  if (s < 0) return;
  s = sc->rows[sc->rowOf[s] * 256 + FOLD[t[i + 1]]];
  if (s < 0) return;
  walk_from(sc, t, s, i + 2, end);
}

static int64_t scan_distinct(int32_t *tab, const uint8_t *t, int64_t off, int64_t len, uint32_t gen, int32_t *out) {
  Scan sc = {
    .rows = tab + tab[H_ROWS],
    .rowOf = tab + tab[H_ROW_OF],
    .childStart = tab + tab[H_CHILD_START],
    .childState = tab + tab[H_CHILD_STATE],
    .outStart = tab + tab[H_OUT_START],
    .outIds = tab + tab[H_OUT_IDS],
    .childByte = (const uint8_t *)(tab + tab[H_CHILD_BYTE]),
    .reported = (uint32_t *)(tab + tab[H_REPORTED]),
    .gen = gen,
    .out = out,
    .n = 0,
  };
  const uint32_t *pre2 = (const uint32_t *)(tab + tab[H_PRE2]);
  const uint32_t *short2 = (const uint32_t *)(tab + tab[H_SHORT2]);
  const uint32_t *pre4 = (const uint32_t *)(tab + tab[H_PRE4]);
  const int32_t *chainStart = tab + tab[H_CHAIN_START];
  const int32_t *chain = tab + tab[H_CHAIN];
  const int shift4 = tab[H_SHIFT4];
  const int wide = tab[H_WIDE];
  const uint32_t *pairQ = (const uint32_t *)(tab + tab[H_PAIR_Q]);
  const uint32_t *pair2 = (const uint32_t *)(tab + tab[H_PAIR_2]);
  const int shiftQ = tab[H_SHIFT_Q];
  const int64_t end = off + len;
  int64_t i = off;
  /* Where the run of equal bytes the scan is in ends, once a position needed it (see literal-scan.ts). */
  int64_t runEnd = off;
  if (len >= 4) {
    uint32_t x = ((uint32_t)FOLD[t[off]] << 16) | ((uint32_t)FOLD[t[off + 1]] << 8) | FOLD[t[off + 2]];
    for (const int64_t stop = end - 3; i < stop; i++) {
      if (wide && i + 4 < end) {
        /*
         * Two positions per test (see pairFilter in literal-scan.ts): y holds the folded bytes i+1 … i+4, p byte i.
         * A literal of 5+ bytes starting at i or i+1 has y as its bytes 1-4 or 0-3 (the table q); one of 2-4 bytes
         * has its 2-byte prefix at i or at i+1 (the table two). A pair with neither holds no literal start.
         */
        uint32_t y = ((uint32_t)FOLD[t[i + 1]] << 24) | ((uint32_t)FOLD[t[i + 2]] << 16) |
                     ((uint32_t)FOLD[t[i + 3]] << 8) | FOLD[t[i + 4]];
        uint32_t p = FOLD[t[i]];
        for (;;) {
          uint32_t hq = (y * 0x9e3779b1u) >> shiftQ;
          uint32_t ka = (p << 8) | (y >> 24), kb = y >> 16;
          if ((((pairQ[hq >> 5] >> (hq & 31)) | (pair2[ka >> 5] >> (ka & 31)) | (pair2[kb >> 5] >> (kb & 31))) & 1u) != 0)
            break;
          i += 2;
          if (i + 4 >= end) break;
          p = (y >> 16) & 0xff;
          y = (y << 16) | ((uint32_t)FOLD[t[i + 3]] << 8) | FOLD[t[i + 4]];
        }
        if (i >= stop) break;
        x = ((uint32_t)FOLD[t[i]] << 24) | ((uint32_t)FOLD[t[i + 1]] << 16) | ((uint32_t)FOLD[t[i + 2]] << 8) |
            FOLD[t[i + 3]];
      } else
        x = (x << 8) | FOLD[t[i + 3]];
      uint32_t k2 = x >> 16;
      if (wide) {
        /*
         * Both filters read at every position, one branch on either: a position passes when a short literal starts
         * with its two bytes or a long one (hashed) with its four. With many 2-byte prefixes (an HTTP body group's
         * thousands of literals), testing that table first passed ~1 position in 3 of text and mispredicted a
         * branch every few bytes; a hashed 4-byte pass whose 2-byte prefix no literal has only walks the trie in vain.
         */
        uint32_t h = (x * 0x9e3779b1u) >> shift4;
        if ((((short2[k2 >> 5] >> (k2 & 31)) | (pre4[h >> 5] >> (h & 31))) & 1u) == 0) continue;
      } else {
        uint32_t bit = 1u << (k2 & 31);
        if ((pre2[k2 >> 5] & bit) == 0) continue;
        if ((short2[k2 >> 5] & bit) == 0) {
          uint32_t h = (x * 0x9e3779b1u) >> shift4;
          if ((pre4[h >> 5] & (1u << (h & 31))) == 0) continue;
        }
      }
      uint32_t a = x >> 24;
      if (x == a * 0x01010101u && i > off && FOLD[t[i - 1]] == a) {
        /* Inside a run of a, with >= 4 left, the previous position in it too: only the continuation is new. */
        if (i >= runEnd) {
          runEnd = i + 4;
          while (runEnd < end && FOLD[t[runEnd]] == a) runEnd++;
        }
        int64_t r = runEnd - i;
        int32_t c0 = chainStart[a];
        if (r <= chainStart[a + 1] - c0) walk_from(&sc, t, chain[c0 + r - 1], runEnd, end);
        continue;
      }
      walk(&sc, t, i, end);
    }
  }
  for (; i + 1 < end; i++) {
    uint32_t k2 = ((uint32_t)FOLD[t[i]] << 8) | FOLD[t[i + 1]];
    if ((pre2[k2 >> 5] & (1u << (k2 & 31))) != 0) walk(&sc, t, i, end);
  }
  /* 1-byte literals last, in byte order: one search each (both cases of a letter). */
  const int32_t *oneList = tab + tab[H_ONE_LIST];
  for (int32_t k = 0, n = tab[H_ONE_COUNT]; k < n; k++) {
    uint8_t b = (uint8_t)oneList[2 * k];
    if (memchr(t + off, b, len) || (b >= 'a' && b <= 'z' && memchr(t + off, b - 0x20, len)))
      report(&sc, oneList[2 * k + 1]);
  }
  return sc.n;
}

#ifndef LITERAL_SCAN_CORE_ONLY
static int typed(napi_env env, napi_value v, void **data, size_t *bytes) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok) return 0;
  size_t width = type == napi_int32_array || type == napi_uint32_array ? 4 : 1;
  *bytes = length * width;
  return 1;
}

static napi_value ScanDistinct(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  void *tab, *text, *out;
  size_t tabBytes, textBytes, outBytes;
  int64_t off, len;
  uint32_t gen;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6 ||
      !typed(env, argv[0], &tab, &tabBytes) || !typed(env, argv[1], &text, &textBytes) ||
      napi_get_value_int64(env, argv[2], &off) != napi_ok || napi_get_value_int64(env, argv[3], &len) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &gen) != napi_ok || !typed(env, argv[5], &out, &outBytes)) {
    napi_throw_type_error(env, NULL, "scanDistinct(tables, text, off, len, gen, out): bad arguments");
    return NULL;
  }
  int32_t *t32 = (int32_t *)tab;
  /* The caller sizes `out` to the number of literals, each reported at most once; bounds are checked here anyway. */
  if (tabBytes < H_WORDS * 4 || off < 0 || len < 0 || (size_t)(off + len) > textBytes ||
      outBytes < 4 * (size_t)t32[t32[H_OUT_START] + t32[H_STATES]]) {
    napi_throw_range_error(env, NULL, "scanDistinct: text range or output outside its buffer");
    return NULL;
  }
  int64_t n = len > 0 ? scan_distinct(t32, (const uint8_t *)text, off, len, gen, (int32_t *)out) : 0;
  napi_value r;
  napi_create_int64(env, n, &r);
  return r;
}

static napi_value Init(napi_env env, napi_value exports) {
  for (int b = 0; b < 256; b++) FOLD[b] = (uint8_t)(b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
  napi_value fn;
  napi_create_function(env, "scanDistinct", NAPI_AUTO_LENGTH, ScanDistinct, NULL, &fn);
  napi_set_named_property(env, exports, "scanDistinct", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
#endif
