// The Snowball stemmers of the system's libstemmer (Debian: libstemmer-dev).
#include <libstemmer.h>
