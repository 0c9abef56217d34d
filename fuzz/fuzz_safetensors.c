/* fuzz_safetensors.c - the safetensors reader (common/safetensors.h): a file it accepts has every
 * tensor readable as float32 with its own shape (for the dtypes it converts), inside the buffer. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "safetensors.h"
#include "util.h"

int fuzz_safetensors(const uint8_t *data, size_t size) {
    char err[ERR_LEN] = "";
    SafeTensors st;
    int rc = st_parse(data, size, &st, err);
    fuzz_expect_message(rc != 0, err);
    if (rc == 0) {
        for (int i = 0; i < st.n; i++) {
            const StEntry *e = &st.entries[i];
            if (e->end > st.data_len || e->begin > e->end) abort();
            if (st_find(&st, e->name) != e) abort();
            int64_t n = st_numel(e);
            if (!st_dtype_size(e->dtype) || n > (1 << 20)) continue;
            if (strcmp(e->dtype, "F32") && strcmp(e->dtype, "F16") && strcmp(e->dtype, "BF16") &&
                strcmp(e->dtype, "F64"))
                continue;
            float *dst = xmalloc(((size_t)n + 1) * sizeof(float));
            if (st_read_f32(&st, e->name, dst, e->ndim, e->shape, err)) abort();
            free(dst);
        }
    }
    st_free(&st);
    return 0;
}
FUZZ_ENTRY_POINT(safetensors)
