#include "TrawlICU.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucsdet.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/uversion.h>
#include <unicode/utf16.h>

struct TrawlWordBreaker {
    UBreakIterator *iterator;
    UText *text;
    int64_t current;
};

TrawlWordBreaker *trawl_wordbreaker_create(const char *locale, int32_t *errorCode) {
    UErrorCode status = U_ZERO_ERROR;
    UBreakIterator *iterator = ubrk_open(UBRK_WORD, locale, NULL, 0, &status);
    if (U_FAILURE(status)) {
        if (errorCode) *errorCode = (int32_t)status;
        return NULL;
    }
    TrawlWordBreaker *breaker = calloc(1, sizeof(TrawlWordBreaker));
    if (!breaker) {
        ubrk_close(iterator);
        if (errorCode) *errorCode = (int32_t)U_MEMORY_ALLOCATION_ERROR;
        return NULL;
    }
    breaker->iterator = iterator;
    if (errorCode) *errorCode = 0;
    return breaker;
}

void trawl_wordbreaker_destroy(TrawlWordBreaker *breaker) {
    if (!breaker) return;
    if (breaker->iterator) ubrk_close(breaker->iterator);
    if (breaker->text) utext_close(breaker->text);
    free(breaker);
}

int32_t trawl_wordbreaker_set_text(TrawlWordBreaker *breaker, const char *utf8, int64_t length) {
    UErrorCode status = U_ZERO_ERROR;
    static const char empty[1] = {0};
    breaker->text = utext_openUTF8(breaker->text, utf8 ? utf8 : empty, utf8 ? length : 0, &status);
    if (U_FAILURE(status)) return (int32_t)status;
    ubrk_setUText(breaker->iterator, breaker->text, &status);
    if (U_FAILURE(status)) return (int32_t)status;
    breaker->current = ubrk_first(breaker->iterator);
    return 0;
}

int32_t trawl_wordbreaker_next_words(TrawlWordBreaker *breaker, int64_t *starts, int64_t *ends,
                                     int32_t *kinds, int32_t capacity) {
    int32_t count = 0;
    UBreakIterator *iterator = breaker->iterator;
    while (count < capacity) {
        int32_t next = ubrk_next(iterator);
        if (next == UBRK_DONE) break;
        int32_t rule = ubrk_getRuleStatus(iterator);
        if (rule >= UBRK_WORD_NONE_LIMIT) {
            int32_t kind;
            if (rule < UBRK_WORD_NUMBER_LIMIT) kind = TRAWL_WORD_NUMBER;
            else if (rule < UBRK_WORD_LETTER_LIMIT) kind = TRAWL_WORD_LETTER;
            else if (rule < UBRK_WORD_KANA_LIMIT) kind = TRAWL_WORD_KANA;
            else kind = TRAWL_WORD_IDEO;
            starts[count] = breaker->current;
            ends[count] = next;
            kinds[count] = kind;
            count++;
        }
        breaker->current = next;
    }
    return count;
}

/* Letters that carry no decomposition but are commonly folded to ASCII by search engines. */
static int32_t fold_special(UChar32 c, UChar *out) {
    switch (c) {
    case 0x00F8: out[0] = 'o'; return 1;               /* ø */
    case 0x0111: out[0] = 'd'; return 1;               /* đ */
    case 0x00F0: out[0] = 'd'; return 1;               /* ð */
    case 0x0127: out[0] = 'h'; return 1;               /* ħ */
    case 0x0131: out[0] = 'i'; return 1;               /* ı */
    case 0x0142: out[0] = 'l'; return 1;               /* ł */
    case 0x0167: out[0] = 't'; return 1;               /* ŧ */
    case 0x0180: out[0] = 'b'; return 1;               /* ƀ */
    case 0x00E6: out[0] = 'a'; out[1] = 'e'; return 2; /* æ */
    case 0x0153: out[0] = 'o'; out[1] = 'e'; return 2; /* œ */
    case 0x00FE: out[0] = 't'; out[1] = 'h'; return 2; /* þ */
    case 0x2019: out[0] = '\''; return 1;              /* ’ inside words such as don’t */
    default: return 0;
    }
}

/* Combining diacritics that accent folding removes. Only the generic diacritic blocks: marks that
   are part of a script's spelling (Japanese voicing marks, Thai vowels, Indic vowel signs,
   Hebrew and Arabic points) are kept, since removing them changes the word. */
static int is_diacritic_mark(UChar32 c) {
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
           (c >= 0xFE20 && c <= 0xFE2F);
}

#define FOLD_STACK 256

int32_t trawl_fold_utf8(const char *src, int32_t length, char *out, int32_t capacity,
                        int32_t foldAccents) {
    UErrorCode status = U_ZERO_ERROR;
    UChar stackA[FOLD_STACK], stackB[FOLD_STACK];
    UChar *a = stackA, *b = stackB;
    int32_t capA = FOLD_STACK, capB = FOLD_STACK;
    int32_t result = -1;
    int32_t lenA = 0;

    /* UTF-8 -> UTF-16, repairing ill-formed sequences. */
    u_strFromUTF8WithSub(a, capA, &lenA, src, length, 0xFFFD, NULL, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
        status = U_ZERO_ERROR;
        capA = lenA + 1;
        a = malloc(sizeof(UChar) * (size_t)capA);
        if (!a) goto done;
        u_strFromUTF8WithSub(a, capA, &lenA, src, length, 0xFFFD, NULL, &status);
    }
    if (U_FAILURE(status)) goto done;

    /* NFKC_Casefold. Expansion is bounded (a few units per unit); size generously. */
    const UNormalizer2 *casefold = unorm2_getNFKCCasefoldInstance(&status);
    if (U_FAILURE(status)) goto done;
    int32_t need = lenA * 4 + 16;
    if (need > capB) {
        capB = need;
        b = malloc(sizeof(UChar) * (size_t)capB);
        if (!b) goto done;
    }
    int32_t lenB = unorm2_normalize(casefold, a, lenA, b, capB, &status);
    if (U_FAILURE(status)) goto done;

    UChar *final = b;
    int32_t finalLen = lenB;

    if (foldAccents) {
        /* Skip the work for text that is already ASCII. */
        int32_t ascii = 1;
        for (int32_t i = 0; i < lenB; i++) if (b[i] >= 0x80) { ascii = 0; break; }
        if (!ascii) {
            const UNormalizer2 *nfd = unorm2_getNFDInstance(&status);
            const UNormalizer2 *nfc = unorm2_getNFCInstance(&status);
            if (U_FAILURE(status)) goto done;
            int32_t needA = lenB * 4 + 16;
            if (needA > capA) {
                if (a != stackA) free(a);
                capA = needA;
                a = malloc(sizeof(UChar) * (size_t)capA);
                if (!a) goto done;
            }
            int32_t lenD = unorm2_normalize(nfd, b, lenB, a, capA, &status);
            if (U_FAILURE(status)) goto done;
            /* Filter marks and map special letters, in place into b (never longer than 2x). */
            if (lenD * 2 + 16 > capB) {
                if (b != stackB) free(b);
                capB = lenD * 2 + 16;
                b = malloc(sizeof(UChar) * (size_t)capB);
                if (!b) goto done;
            }
            int32_t w = 0;
            for (int32_t i = 0; i < lenD;) {
                UChar32 c;
                U16_NEXT(a, i, lenD, c);
                if (is_diacritic_mark(c)) continue;
                UChar mapped[2];
                int32_t m = fold_special(c, mapped);
                if (m > 0) {
                    for (int32_t k = 0; k < m; k++) b[w++] = mapped[k];
                } else {
                    U16_APPEND_UNSAFE(b, w, c);
                }
            }
            /* Recompose (Hangul and scripts whose marks are spacing). */
            int32_t lenC = unorm2_normalize(nfc, b, w, a, capA, &status);
            if (U_FAILURE(status)) goto done;
            final = a;
            finalLen = lenC;
        }
    }

    int32_t outLen = 0;
    status = U_ZERO_ERROR;
    u_strToUTF8WithSub(out, capacity, &outLen, final, finalLen, 0xFFFD, NULL, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING) {
        result = outLen;
    } else if (U_FAILURE(status)) {
        result = -1;
    } else {
        result = outLen;
    }

done:
    if (a != stackA) free(a);
    if (b != stackB) free(b);
    return result;
}

void trawl_icu_version(char *buf) {
    UVersionInfo info;
    u_getVersion(info);
    u_versionToString(info, buf);
}

/* MARK: Charsets */

static void copy_name(const char *name, char *out, int32_t capacity) {
    if (!out || capacity <= 0) return;
    if (!name) name = "";
    size_t n = strlen(name);
    if (n >= (size_t)capacity) n = (size_t)capacity - 1;
    memcpy(out, name, n);
    out[n] = 0;
}

int32_t trawl_charset_detect(const char *bytes, int32_t length, int32_t filterMarkup,
                             char *name, int32_t nameCapacity, int32_t *confidence) {
    static const char empty[1] = {0};
    UErrorCode status = U_ZERO_ERROR;
    UCharsetDetector *detector = ucsdet_open(&status);
    if (U_FAILURE(status)) return (int32_t)status;
    ucsdet_enableInputFilter(detector, filterMarkup ? 1 : 0);
    ucsdet_setText(detector, bytes && length > 0 ? bytes : empty, bytes && length > 0 ? length : 0, &status);
    int32_t result = -1;
    if (U_SUCCESS(status)) {
        const UCharsetMatch *match = ucsdet_detect(detector, &status);
        if (U_FAILURE(status)) {
            result = (int32_t)status;
        } else if (match) {
            const char *found = ucsdet_getName(match, &status);
            int32_t level = ucsdet_getConfidence(match, &status);
            if (U_SUCCESS(status) && found) {
                copy_name(found, name, nameCapacity);
                if (confidence) *confidence = level;
                result = 0;
            } else if (U_FAILURE(status)) {
                result = (int32_t)status;
            }
        }
    } else {
        result = (int32_t)status;
    }
    ucsdet_close(detector);
    return result;
}

int32_t trawl_charset_standard_name(const char *name, char *out, int32_t capacity) {
    if (!name || !*name) return (int32_t)U_ILLEGAL_ARGUMENT_ERROR;
    UErrorCode status = U_ZERO_ERROR;
    UConverter *converter = ucnv_open(name, &status);
    if (U_FAILURE(status) || !converter) return U_FAILURE(status) ? (int32_t)status : -1;
    /* ucnv_open accepts a fallback alias with a warning; treat only exact resolution as known. */
    if (status == U_AMBIGUOUS_ALIAS_WARNING) status = U_ZERO_ERROR;
    const char *internal = ucnv_getName(converter, &status);
    if (U_FAILURE(status) || !internal) {
        ucnv_close(converter);
        return U_FAILURE(status) ? (int32_t)status : -1;
    }
    UErrorCode standardStatus = U_ZERO_ERROR;
    const char *standard = ucnv_getStandardName(internal, "MIME", &standardStatus);
    if (!standard || U_FAILURE(standardStatus)) {
        standardStatus = U_ZERO_ERROR;
        standard = ucnv_getStandardName(internal, "IANA", &standardStatus);
    }
    if (!standard || U_FAILURE(standardStatus)) standard = internal;
    copy_name(standard, out, capacity);
    ucnv_close(converter);
    return 0;
}

/* Replaces every ill-formed, truncated or unmapped sequence by U+FFFD and counts it. */
static void count_and_substitute(const void *context, UConverterToUnicodeArgs *args, const char *codeUnits,
                                 int32_t length, UConverterCallbackReason reason, UErrorCode *err) {
    (void)codeUnits;
    (void)length;
    if (reason > UCNV_IRREGULAR) return;
    int64_t *count = (int64_t *)context;
    if (count) (*count)++;
    static const UChar replacement = 0xFFFD;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &replacement, 1, 0, err);
}

/* A growable byte buffer. */
struct Growable {
    char *data;
    int64_t length;
    int64_t capacity;
};

static int grow(struct Growable *buffer, int64_t needed) {
    if (needed <= buffer->capacity) return 1;
    int64_t capacity = buffer->capacity > 0 ? buffer->capacity : 4096;
    while (capacity < needed) capacity *= 2;
    char *data = realloc(buffer->data, (size_t)capacity);
    if (!data) return 0;
    buffer->data = data;
    buffer->capacity = capacity;
    return 1;
}

#define CONVERT_UNITS 16384

char *trawl_charset_to_utf8(const char *name, const char *bytes, int64_t length, int64_t *outLength,
                            int64_t *replacements, int32_t *errorCode) {
    static const char empty[1] = {0};
    UErrorCode status = U_ZERO_ERROR;
    int64_t count = 0;
    if (outLength) *outLength = 0;
    if (replacements) *replacements = 0;
    if (errorCode) *errorCode = 0;
    if (!name || !*name) {
        if (errorCode) *errorCode = (int32_t)U_ILLEGAL_ARGUMENT_ERROR;
        return NULL;
    }
    UConverter *converter = ucnv_open(name, &status);
    if (U_FAILURE(status) || !converter) {
        if (errorCode) *errorCode = U_FAILURE(status) ? (int32_t)status : -1;
        return NULL;
    }
    ucnv_setToUCallBack(converter, count_and_substitute, &count, NULL, NULL, &status);
    struct Growable output = {NULL, 0, 0};
    if (U_FAILURE(status) || !grow(&output, length + length / 2 + 16)) {
        if (errorCode) *errorCode = U_FAILURE(status) ? (int32_t)status : (int32_t)U_MEMORY_ALLOCATION_ERROR;
        ucnv_close(converter);
        free(output.data);
        return NULL;
    }
    if (!bytes || length < 0) length = 0;
    const char *source = bytes ? bytes : empty;
    const char *sourceLimit = source + length;
    UChar units[CONVERT_UNITS];
    int32_t carried = 0; /* a lead surrogate kept back from the previous round */
    int failed = 0;
    for (;;) {
        UChar *target = units + carried;
        status = U_ZERO_ERROR;
        ucnv_toUnicode(converter, &target, units + CONVERT_UNITS, &source, sourceLimit, NULL, 1, &status);
        int32_t produced = (int32_t)(target - units);
        int more = status == U_BUFFER_OVERFLOW_ERROR;
        carried = 0;
        /* Keep a trailing lead surrogate for the next round: its trail may follow. */
        if (more && produced > 0 && U16_IS_LEAD(units[produced - 1])) {
            carried = 1;
            produced -= 1;
        }
        if (produced > 0) {
            /* Each UTF-16 unit gives at most 3 UTF-8 bytes. */
            if (!grow(&output, output.length + (int64_t)produced * 3 + 4)) { failed = U_MEMORY_ALLOCATION_ERROR; break; }
            UErrorCode utf8Status = U_ZERO_ERROR;
            int32_t written = 0;
            int64_t room = output.capacity - output.length;
            u_strToUTF8WithSub(output.data + output.length, room > INT32_MAX ? INT32_MAX : (int32_t)room, &written,
                               units, produced, 0xFFFD, NULL, &utf8Status);
            if (U_FAILURE(utf8Status)) { failed = utf8Status; break; }
            output.length += written;
        }
        if (carried) units[0] = units[produced];
        if (more) continue;
        if (U_FAILURE(status)) failed = status;
        break;
    }
    ucnv_close(converter);
    if (failed) {
        free(output.data);
        if (errorCode) *errorCode = (int32_t)failed;
        return NULL;
    }
    if (outLength) *outLength = output.length;
    if (replacements) *replacements = count;
    return output.data;
}

void trawl_free(void *pointer) { free(pointer); }
