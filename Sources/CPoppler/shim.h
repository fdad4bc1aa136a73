/* Poppler's GLib API (Debian: libpoppler-glib-dev): PDF text per page in reading order and the
 * document information. The flags come from pkg-config (poppler-glib). */
#include <poppler.h>
