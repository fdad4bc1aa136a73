#ifndef TRAWL_CLD2_H
#define TRAWL_CLD2_H

#ifdef __cplusplus
extern "C" {
#endif

/// Detects the language of UTF-8 plain text with Compact Language Detector 2.
///
/// Writes the language's code (such as "en", "de", "zh-Hant"; "un" when unknown) into `code`
/// (NUL-terminated, at most `capacity` bytes), the share of the text in that language (0-100)
/// into `percent`, and whether CLD2 deems the answer reliable into `reliable`. Invalid UTF-8
/// gives "un". Thread-safe (CLD2 keeps no state between calls).
void trawl_cld2_detect(const char *text, int length, char *code, int capacity, int *percent, int *reliable);

#ifdef __cplusplus
}
#endif

#endif
