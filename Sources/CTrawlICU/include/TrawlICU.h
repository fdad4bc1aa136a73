#ifndef TRAWL_ICU_H
#define TRAWL_ICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Kinds of word-like segments reported by the word breaker (ICU rule status ranges).
enum {
    TRAWL_WORD_NUMBER = 1,
    TRAWL_WORD_LETTER = 2,
    TRAWL_WORD_KANA = 3,
    TRAWL_WORD_IDEO = 4
};

/// An ICU UAX #29 word break iterator bound to UTF-8 text. Not thread-safe: one per thread.
typedef struct TrawlWordBreaker TrawlWordBreaker;

/// Creates a word breaker for the given locale ("" for root). Returns NULL on failure and
/// stores the ICU error code in *errorCode.
TrawlWordBreaker *trawl_wordbreaker_create(const char *locale, int32_t *errorCode);

/// Frees a word breaker.
void trawl_wordbreaker_destroy(TrawlWordBreaker *breaker);

/// Points the breaker at UTF-8 text. The bytes are not copied and must stay alive and unchanged
/// while segments are read. Ill-formed UTF-8 is read as U+FFFD. Returns 0 or an ICU error code.
int32_t trawl_wordbreaker_set_text(TrawlWordBreaker *breaker, const char *utf8, int64_t length);

/// Reads up to `capacity` further word-like segments (letters, numbers, kana, ideographs),
/// skipping spaces, punctuation and symbols. For each: start and end UTF-8 byte offsets and a
/// TRAWL_WORD_* kind. Returns how many were written; 0 at the end of the text.
int32_t trawl_wordbreaker_next_words(TrawlWordBreaker *breaker, int64_t *starts, int64_t *ends,
                                     int32_t *kinds, int32_t capacity);

/// Folds one UTF-8 word: NFKC_Casefold, then (when foldAccents is non-zero) accent folding:
/// canonical decomposition, removal of non-spacing marks, a few letter mappings without a
/// decomposition (ø→o, ł→l, đ→d, æ→ae, œ→oe, þ→th, ...), and recomposition.
/// Ill-formed input is repaired with U+FFFD. Writes at most `capacity` bytes to `out` and
/// returns the full folded length in bytes (which may exceed capacity: call again with more
/// room), or a negative value on an ICU failure.
int32_t trawl_fold_utf8(const char *src, int32_t length, char *out, int32_t capacity,
                        int32_t foldAccents);

/// Guesses the charset of bytes with ICU's detector (the first `length` bytes; pass a sample).
/// `filterMarkup` non-zero ignores `<...>` tags (HTML). On success returns 0 and writes the
/// charset name (NUL-terminated, truncated to nameCapacity) and a confidence from 0 to 100;
/// returns an ICU error code, or -1 when nothing matched.
int32_t trawl_charset_detect(const char *bytes, int32_t length, int32_t filterMarkup,
                             char *name, int32_t nameCapacity, int32_t *confidence);

/// Whether ICU can convert from the charset `name` (any alias, any case). Returns 0 and writes
/// its preferred name (MIME, else IANA, else ICU's own; NUL-terminated, truncated to
/// capacity), or a non-zero value when ICU knows no such charset.
int32_t trawl_charset_standard_name(const char *name, char *out, int32_t capacity);

/// Converts `length` bytes in the charset `name` to UTF-8. Ill-formed, truncated and unmapped
/// sequences become U+FFFD and are counted in *replacements. Returns a buffer allocated with
/// malloc (free it with trawl_free) holding *outLength bytes, or NULL with *errorCode set (an
/// unknown charset, or no memory).
char *trawl_charset_to_utf8(const char *name, const char *bytes, int64_t length, int64_t *outLength,
                            int64_t *replacements, int32_t *errorCode);

/// Frees memory returned by this shim.
void trawl_free(void *pointer);

/// Returns the ICU version as "major.minor" into buf (at least 16 bytes).
void trawl_icu_version(char *buf);

#ifdef __cplusplus
}
#endif

#endif
