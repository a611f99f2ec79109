#include <stdlib.h>
#include <mongoc/mongoc.h>
#include <bson/bson.h>

/* Swift does not import bson_t and bson_iter_t as structs (over-aligned declarations): it sees opaque pointers
   and cannot allocate them. These helpers allocate them on the heap, correctly aligned. aligned_alloc wants a
   size that is a multiple of the alignment, hence the rounding. */

static inline void *chatctl_aligned_alloc(size_t alignment, size_t size) {
    return aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
}

/* A bson_t initialised with bson_init (so bson_destroy leaves the struct itself alone): also usable as an
   "uninitialised reply" out-parameter, which libmongoc re-initialises. Free with chatctl_bson_free. */
static inline bson_t *chatctl_bson_alloc(void) {
    bson_t *document = chatctl_aligned_alloc(__alignof__(bson_t), sizeof(bson_t));
    if (document) bson_init(document);
    return document;
}

static inline void chatctl_bson_free(bson_t *document) {
    if (!document) return;
    bson_destroy(document);
    free(document);
}

static inline bson_iter_t *chatctl_bson_iter_alloc(void) {
    return chatctl_aligned_alloc(__alignof__(bson_iter_t), sizeof(bson_iter_t));
}

static inline void chatctl_bson_iter_free(bson_iter_t *iterator) {
    free(iterator);
}
