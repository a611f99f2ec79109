#include <stdlib.h>
#include <mongoc/mongoc.h>
#include <bson/bson.h>

/* bson_t and bson_iter_t are declared with 128-byte alignment, which Swift cannot import: it sees them as
   opaque pointers and cannot allocate them. These helpers allocate them on the heap, correctly aligned. */

/* A bson_t initialised with bson_init (so bson_destroy leaves the struct itself alone): also usable as an
   "uninitialised reply" out-parameter, which libmongoc re-initialises. Free with chatctl_bson_free. */
static inline bson_t *chatctl_bson_alloc(void) {
    bson_t *document = aligned_alloc(128, sizeof(bson_t));
    if (document) bson_init(document);
    return document;
}

static inline void chatctl_bson_free(bson_t *document) {
    if (!document) return;
    bson_destroy(document);
    free(document);
}

static inline bson_iter_t *chatctl_bson_iter_alloc(void) {
    return aligned_alloc(128, sizeof(bson_iter_t));
}

static inline void chatctl_bson_iter_free(bson_iter_t *iterator) {
    free(iterator);
}
