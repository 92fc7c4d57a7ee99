#pragma once
#include <zlib.h>
// `inflateInit2` is a macro over inflateInit2_; Swift imports no function-like macros.
static inline int czlib_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}
// `deflateInit2` likewise; raw deflate (no zlib header), default memory level and strategy.
static inline int czlib_deflate_init_raw(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
}
