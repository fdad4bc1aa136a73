// A C face over CLD2's C++ API, so Swift can call it.
#include "TrawlCLD2.h"
#include <cstdio>  // the CLD2 header uses FILE without including it
#include <cld2/public/compact_lang_det.h>
#include <cstring>

extern "C" void trawl_cld2_detect(const char *text, int length, char *code, int capacity, int *percent, int *reliable) {
    CLD2::Language languages[3] = {CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE, CLD2::UNKNOWN_LANGUAGE};
    int percents[3] = {0, 0, 0};
    double scores[3] = {0, 0, 0};
    int textBytes = 0;
    bool isReliable = false;
    int validPrefix = 0;
    CLD2::Language language = CLD2::UNKNOWN_LANGUAGE;
    if (text != nullptr && length > 0) {
        language = CLD2::ExtDetectLanguageSummaryCheckUTF8(text, length, true, nullptr, 0, languages, percents,
                                                           scores, nullptr, &textBytes, &isReliable, &validPrefix);
    }
    const char *name = CLD2::LanguageCode(language);
    if (name == nullptr) name = "un";
    if (capacity > 0) {
        std::strncpy(code, name, static_cast<size_t>(capacity) - 1);
        code[capacity - 1] = '\0';
    }
    *percent = language == languages[0] ? percents[0] : 0;
    *reliable = isReliable ? 1 : 0;
}
