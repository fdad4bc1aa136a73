/* The system libxml2 is built with ICU, so its encoding.h includes the system's
 * <unicode/ucnv.h>. Swift's Foundation brings its own ICU headers (_FoundationICU), whose
 * UErrorCode differs, and clang refuses the two definitions in one Swift module
 * ("... is not present in definition of 'enum UErrorCode'"). The only ICU-dependent
 * declarations are the two trailing fields of xmlCharEncodingHandler, which Trawl never
 * touches (handlers are used through pointers only), so hide ICU from these headers. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
