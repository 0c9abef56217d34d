/* fuzz_json.c - the strict JSON parser (common/json.h) that reads config.json files and
 * safetensors headers: accepts or refuses with a message, never crashes or leaks. */
#include <stdlib.h>

#include "fuzz.h"
#include "json.h"
#include "util.h"

int fuzz_json(const uint8_t *data, size_t size) {
    char err[ERR_LEN] = "";
    JsonValue *v = json_parse((const char *)data, size, err);
    fuzz_expect_message(v == NULL, err);
    if (v) {
        int64_t i;
        double d;
        const char *s;
        (void)json_get_int(v, "hidden_size", &i);
        (void)json_get_number(v, "layer_norm_eps", &d);
        (void)json_get_string(v, "hidden_act", &s);
    }
    json_free(v);
    return 0;
}
FUZZ_ENTRY_POINT(json)
