#pragma once
#include <zlib.h>
// `inflateInit2` is a macro over inflateInit2_; Swift imports no function-like macros.
static inline int czlib_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}
