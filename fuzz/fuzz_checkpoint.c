/* fuzz_checkpoint.c - loading a model checkpoint (common/checkpoint.h) from any file: it loads
 * only a file of the right format with every tensor of the right shape, and otherwise says why. */
#include "checkpoint.h"
#include "fuzz.h"
#include "util.h"

int fuzz_checkpoint(const uint8_t *data, size_t size) {
    static const ParamSpec specs[] = {{"w", 2, {2, 3}, 0}, {"b", 1, {3}, 1}};
    Params p;
    params_init(&p, specs, 2);
    char err[ERR_LEN] = "";
    int rc = checkpoint_parse(&p, data, size, "input", "nlpc-fuzz", 1, NULL, err);
    fuzz_expect_message(rc != 0, err);
    params_free(&p);
    return 0;
}
FUZZ_ENTRY_POINT(checkpoint)
