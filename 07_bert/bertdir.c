/* bertdir.c - model directories with their tokenizer; see bertdir.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "07_bert/bertdir.h"
#include "json.h"
#include "util.h"

static void join(char *buf, size_t n, const char *dir, const char *file) { snprintf(buf, n, "%s/%s", dir, file); }

int bert_dir_load_tokenizer(const char *dir, BertTokenizer *t, char *err) {
    char path[4096], e2[ERR_LEN];
    int lower = 1;
    join(path, sizeof path, dir, "tokenizer_config.json");
    size_t len;
    char *text = read_file(path, &len, e2);
    if (text) {
        JsonValue *v = json_parse(text, len, e2);
        free(text);
        if (!v) return set_err(err, "%s: %s", path, e2);
        const JsonValue *f = v->type == JSON_OBJECT ? json_get(v, "do_lower_case") : NULL;
        if (v->type != JSON_OBJECT || (f && f->type != JSON_BOOL)) {
            json_free(v);
            return set_err(err, "%s: not an object with a true/false \"do_lower_case\"", path);
        }
        if (f) lower = f->boolean;
        json_free(v);
    }
    join(path, sizeof path, dir, "vocab.txt");
    return bert_tok_load(t, path, lower, err);
}

int bert_dir_save_tokenizer(const char *dir, const BertTokenizer *t, int max_len, char *err) {
    char path[4096];
    if (make_dirs(dir, err)) return -1;
    join(path, sizeof path, dir, "vocab.txt");
    if (bert_tok_save(t, path, err)) return -1;
    join(path, sizeof path, dir, "tokenizer_config.json");
    AtomicFile af;
    if (atomic_open(&af, path, err)) return -1;
    fprintf(af.f, "{\n  \"do_lower_case\": %s,\n  \"model_max_length\": %d,\n  \"tokenizer_class\": \"BertTokenizer\"\n}\n",
            t->do_lower_case ? "true" : "false", max_len);
    return atomic_commit(&af, err);
}

int bert_dir_open(const char *dir, Bert *m, BertTokenizer *t, int maxB, int maxT, SafeTensors *extra, char *err) {
    memset(t, 0, sizeof *t);
    memset(m, 0, sizeof *m);
    struct stat sb;
    if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
        return set_err(err, "model directory '%s' %s", dir, stat(dir, &sb) ? "does not exist" : "is not a directory");
    if (bert_dir_load_tokenizer(dir, t, err)) return -1;
    if (bert_load_dir(dir, m, maxB, maxT, extra, err)) {
        bert_tok_free(t);
        return -1;
    }
    const char *missing = t->cls_id < 0 ? "[CLS]" : t->sep_id < 0 ? "[SEP]" : t->pad_id < 0 ? "[PAD]" : NULL;
    if (t->n > m->cfg.vocab_size || missing) {
        if (missing)
            set_err(err, "%s/vocab.txt has no %s token", dir, missing);
        else
            set_err(err, "%s/vocab.txt has %d tokens but config.json's vocab_size is %d: the vocabulary does not fit "
                    "the model", dir, t->n, m->cfg.vocab_size);
        if (extra) st_free(extra);
        bert_free(m);
        bert_tok_free(t);
        return -1;
    }
    return 0;
}

int bert_dir_save(const char *dir, const Bert *m, const BertTokenizer *t, const StTensorRef *extra, int nextra,
                  char *err) {
    if (make_dirs(dir, err)) return -1;
    if (bert_save_dir(m, dir, extra, nextra, err)) return -1;
    return bert_dir_save_tokenizer(dir, t, m->cfg.max_pos, err);
}
