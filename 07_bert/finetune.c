/* finetune.c - BERT with a classification head: the head, training, evaluation and model
 * directories (see finetune.h for the lesson). The command line is in finetune_cmd.c. */
#include "finetune.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "bertdir.h"
#include "json.h"
#include "matmul.h"
#include "optim.h"
#include "platform.h"
#include "progress.h"
#include "softmax.h"
#include "util.h"

const char *bert_pool_name(BertPool p) {
    return p == POOL_CLS ? "cls" : p == POOL_MEAN ? "mean" : "first-token";
}

int bert_pool_parse(const char *s) {
    if (!strcmp(s, "cls")) return POOL_CLS;
    if (!strcmp(s, "mean")) return POOL_MEAN;
    if (!strcmp(s, "first-token")) return POOL_FIRST;
    return -1;
}

/* ---- the head ------------------------------------------------------------------------------------ */

void bert_cls_init(BertClassifier *c, Bert *m, int k, BertPool pool, float dropout, Rng *rng) {
    memset(c, 0, sizeof *c);
    int C = m->cfg.hidden, B = m->maxB;
    c->bert = m, c->k = k, c->pool = pool, c->dropout = dropout;
    /* transformers' names and initialisation: normal(0, initializer_range), bias 0; the bias is
     * not decayed by AdamW. */
    ParamSpec specs[2] = {{"classifier.weight", 2, {k, C}, 0}, {"classifier.bias", 1, {k}, 1}};
    params_init(&c->head, specs, 2);
    float *ptr[2];
    params_carve(&c->head, c->head.data, ptr);
    c->w = ptr[0], c->b = ptr[1];
    params_carve(&c->head, c->head.grad, ptr);
    c->dw = ptr[0], c->db = ptr[1];
    if (rng) rng_fill_normal(rng, c->w, (size_t)k * C, 0.0f, m->cfg.init_range);
    size_t bc = xmul((size_t)B, (size_t)C), bk = xmul((size_t)B, (size_t)k);
    c->feat = xcalloc(bc, sizeof(float));
    c->feat_drop = xcalloc(bc, sizeof(float));
    c->drop_mask = xcalloc(bc, sizeof(float));
    c->dfeat = xcalloc(bc, sizeof(float));
    c->logits = xcalloc(bk, sizeof(float));
    c->probs = xcalloc(bk, sizeof(float));
}

void bert_cls_free(BertClassifier *c) {
    params_free(&c->head);
    free(c->feat), free(c->feat_drop), free(c->drop_mask), free(c->dfeat), free(c->logits), free(c->probs);
    memset(c, 0, sizeof *c);
}

float bert_cls_forward(BertClassifier *c, const int *ids, const int *segs, const unsigned char *pad, int B, int T,
                       const int *labels, Rng *rng, double *acc) {
    Bert *m = c->bert;
    int C = m->cfg.hidden, K = c->k;
    bert_forward(m, ids, segs, pad, B, T, rng);
    c->B = B, c->labels = labels;
    /* feat (B,C): the one vector per example the classifier sees */
    if (c->pool == POOL_CLS) {
        memcpy(c->feat, m->pooled, sizeof(float) * (size_t)B * C);
    } else if (c->pool == POOL_FIRST) {
        for (int b = 0; b < B; b++) memcpy(c->feat + (size_t)b * C, m->hidden + ((size_t)b * T + 1) * C, sizeof(float) * C);
    } else {
        for (int b = 0; b < B; b++) {
            float *f = c->feat + (size_t)b * C;
            memset(f, 0, sizeof(float) * C);
            int cnt = 0;
            for (int t = 0; t < T; t++) {
                if (pad && pad[b * T + t]) continue;
                const float *h = m->hidden + ((size_t)b * T + t) * C;
                for (int i = 0; i < C; i++) f[i] += h[i];
                cnt++;
            }
            for (int i = 0; i < C; i++) f[i] /= cnt ? cnt : 1;
        }
    }
    dropout_forward(c->feat_drop, c->drop_mask, c->feat, (size_t)B * C, rng ? c->dropout : 0.0f, rng);
    linear_forward(c->logits, c->feat_drop, c->w, c->b, B, C, K);
    float loss = 0;
    if (labels) loss = crossentropy_forward(c->probs, c->logits, labels, B, K);
    else softmax_forward(c->probs, c->logits, B, K);
    if (acc) {
        int right = 0, counted = 0;
        for (int b = 0; b < B; b++) {
            if (!labels || labels[b] < 0) continue;
            int best = 0;
            for (int j = 1; j < K; j++)
                if (c->probs[b * K + j] > c->probs[b * K + best]) best = j;
            right += best == labels[b], counted++;
        }
        *acc = counted ? (double)right / counted : 0.0;
    }
    return loss;
}

void bert_cls_backward(BertClassifier *c, float dloss) {
    Bert *m = c->bert;
    int B = c->B, T = m->T, C = m->cfg.hidden, K = c->k;
    /* dlogits reuses logits: the forward's scores are not needed any more */
    float *dlogits = c->logits;
    memset(dlogits, 0, sizeof(float) * (size_t)B * K);
    crossentropy_backward(dlogits, c->probs, c->labels, B, K, dloss);
    /* dfeat first holds d(feat_drop), then, times the dropout mask, d(feat) */
    memset(c->dfeat, 0, sizeof(float) * (size_t)B * C);
    linear_backward(c->dfeat, c->dw, c->db, dlogits, c->feat_drop, c->w, B, C, K);
    for (size_t i = 0; i < (size_t)B * C; i++) c->dfeat[i] *= c->drop_mask[i];
    bert_zero_dheads(m);
    if (c->pool == POOL_CLS) {
        memcpy(m->dpooled, c->dfeat, sizeof(float) * (size_t)B * C);
        bert_backward(m, NULL, m->dpooled);
        return;
    }
    const unsigned char *pad = m->pad;
    for (int b = 0; b < B; b++) {
        const float *d = c->dfeat + (size_t)b * C;
        if (c->pool == POOL_FIRST) {
            float *dh = m->dhidden + ((size_t)b * T + 1) * C;
            for (int i = 0; i < C; i++) dh[i] += d[i];
            continue;
        }
        int cnt = 0;
        for (int t = 0; t < T; t++) cnt += !(pad && pad[b * T + t]);
        for (int t = 0; t < T; t++) {
            if (pad && pad[b * T + t]) continue;
            float *dh = m->dhidden + ((size_t)b * T + t) * C;
            for (int i = 0; i < C; i++) dh[i] += d[i] / cnt;
        }
    }
    bert_backward(m, m->dhidden, NULL);
}

/* ---- examples as ids ------------------------------------------------------------------------------- */

void bert_examples_encode(BertExamples *e, const BertTokenizer *tok, const TsvData *d, int max_len) {
    memset(e, 0, sizeof *e);
    e->n = d->n;
    e->pad_id = tok->pad_id;
    e->ids = xcalloc((size_t)(d->n ? d->n : 1), sizeof(int *));
    e->segs = xcalloc((size_t)(d->n ? d->n : 1), sizeof(int *));
    e->len = xcalloc((size_t)(d->n ? d->n : 1), sizeof(int));
    e->label = xcalloc((size_t)(d->n ? d->n : 1), sizeof(int));
    BertIds a = {0}, b = {0};
    for (int i = 0; i < d->n; i++) {
        a.n = a.nwords = b.n = b.nwords = 0;
        bert_tok_encode(tok, d->text_a[i], strlen(d->text_a[i]), &a);
        if (d->pairs) bert_tok_encode(tok, d->text_b[i], strlen(d->text_b[i]), &b);
        int na = a.n, nb = b.n, room = max_len - (d->pairs ? 3 : 2);
        /* longest first, as BERT's truncate_seq_pair: keep the starts */
        while (na + nb > room) {
            if (na >= nb) na--;
            else nb--;
        }
        e->truncated += na + nb < a.n + b.n;
        int n = na + nb + (d->pairs ? 3 : 2);
        int *ids = xmalloc(sizeof(int) * (size_t)n), *segs = xmalloc(sizeof(int) * (size_t)n);
        int t = 0;
        ids[t] = tok->cls_id, segs[t++] = 0;
        for (int j = 0; j < na; j++) ids[t] = a.ids[j], segs[t++] = 0;
        ids[t] = tok->sep_id, segs[t++] = 0;
        if (d->pairs) {
            for (int j = 0; j < nb; j++) ids[t] = b.ids[j], segs[t++] = 1;
            ids[t] = tok->sep_id, segs[t++] = 1;
        }
        e->ids[i] = ids, e->segs[i] = segs, e->len[i] = n;
        e->label[i] = d->label ? d->label[i] : -1;
    }
    bert_ids_free(&a), bert_ids_free(&b);
}

void bert_examples_free(BertExamples *e) {
    for (int i = 0; i < e->n; i++) free(e->ids[i]), free(e->segs[i]);
    free(e->ids), free(e->segs), free(e->len), free(e->label);
    memset(e, 0, sizeof *e);
}

/* B examples idx[0..B) padded to the longest: ids/segs/pad (B,T), labels (B). Returns T. */
static int make_batch(const BertExamples *e, const int *idx, int B, int *ids, int *segs,
                      unsigned char *pad, int *labels) {
    int T = 0;
    for (int b = 0; b < B; b++)
        if (e->len[idx[b]] > T) T = e->len[idx[b]];
    for (int b = 0; b < B; b++) {
        int i = idx[b], n = e->len[i];
        for (int t = 0; t < T; t++) {
            ids[b * T + t] = t < n ? e->ids[i][t] : e->pad_id;
            segs[b * T + t] = t < n ? e->segs[i][t] : 0;
            pad[b * T + t] = t >= n;
        }
        labels[b] = e->label[i];
    }
    return T;
}

/* ---- training ------------------------------------------------------------------------------------- */

FtOptions ft_defaults(void) {
    FtOptions o = {0};
    o.epochs = 3, o.batch = 32, o.lr = 1e-4, o.warmup = 0.1, o.weight_decay = 0.01, o.clip = 1.0, o.seed = 1;
    return o;
}

/* The global gradient norm of encoder and head together, clipped as one vector (what
 * torch.nn.utils.clip_grad_norm_ does over all of a model's parameters). */
static double clip_two(float *g1, size_t n1, float *g2, size_t n2, double max_norm) {
    double s = 0;
    for (size_t i = 0; i < n1; i++) s += (double)g1[i] * g1[i];
    for (size_t i = 0; i < n2; i++) s += (double)g2[i] * g2[i];
    double norm = sqrt(s);
    if (isfinite(norm) && max_norm > 0 && norm > max_norm) {
        float k = (float)(max_norm / norm);
        for (size_t i = 0; i < n1; i++) g1[i] *= k;
        for (size_t i = 0; i < n2; i++) g2[i] *= k;
    }
    return norm;
}

/* Warm-up then linear decay to 0 over the fraction f of the budget done (steps or time, whichever
 * is further along). */
static double lr_fraction(double f, double warmup) {
    if (f >= 1) return 0;
    if (warmup > 0 && f < warmup) return f / warmup;
    return (1 - f) / (1 - warmup);
}

FtReport bert_cls_train(BertClassifier *c, const BertExamples *train, const FtOptions *o) {
    Bert *m = c->bert;
    FtReport r = {0};
    int n = train->n, B = o->batch < m->maxB ? o->batch : m->maxB;
    if (B > n) B = n;
    long per_epoch = (n + B - 1) / B;
    long total = o->steps > 0 ? o->steps : (long)ceil(o->epochs * (double)per_epoch);
    if (total < 1) total = 1;
    AdamConfig ac = adam_defaults();
    ac.decoupled = 1, ac.weight_decay = (float)o->weight_decay, ac.eps = 1e-6f; /* BERT's AdamW epsilon */
    AdamState s_enc, s_head;
    adam_init(&s_enc, m->p.total);
    adam_init(&s_head, c->head.total);
    Rng rng;
    rng_seed(&rng, o->seed);
    int *order = xmalloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) order[i] = i;
    rng_shuffle(&rng, order, (size_t)n);
    int T = m->maxT;
    int *ids = xmalloc(sizeof(int) * (size_t)B * T), *segs = xmalloc(sizeof(int) * (size_t)B * T);
    int *labels = xmalloc(sizeof(int) * (size_t)B);
    unsigned char *pad = xmalloc((size_t)B * T);
    Progress pr;
    progress_start(&pr, total, "ex");
    double t0 = now_seconds(), loss_sum = 0;
    long loss_n = 0, log_every = total / 20 > 0 ? total / 20 : 1, pos = 0;
    long last_window = total / 10 > 0 ? total / 10 : 1;
    double win_sum = 0, win_acc = 0;
    long win_n = 0;
    for (long step = 0; step < total; step++) {
        double elapsed = now_seconds() - t0;
        if (o->seconds > 0 && elapsed >= o->seconds) break;
        double f = (double)step / total;
        if (o->seconds > 0 && elapsed / o->seconds > f) f = elapsed / o->seconds;
        double lr = o->lr * lr_fraction(f + 0.5 / total, o->warmup);
        if (pos + B > n) { /* a new epoch: reshuffle */
            rng_shuffle(&rng, order, (size_t)n);
            pos = 0;
        }
        int bt = make_batch(train, order + pos, B, ids, segs, pad, labels);
        pos += B;
        params_zero_grad(&m->p);
        params_zero_grad(&c->head);
        double acc;
        float loss = bert_cls_forward(c, ids, segs, pad, B, bt, labels, &rng, &acc);
        if (!isfinite(loss)) {
            if (o->verbose) fprintf(stderr, "stopped: the loss is %f at step %ld (try a smaller --lr)\n", loss, step);
            break;
        }
        bert_cls_backward(c, 1.0f);
        clip_two(m->p.grad, m->p.total, c->head.grad, c->head.total, o->clip);
        adam_step(&s_enc, &ac, (float)lr, &m->p);
        adam_step(&s_head, &ac, (float)lr, &c->head);
        r.steps = step + 1;
        r.examples += B;
        loss_sum += loss, loss_n++;
        if (step >= total - last_window) win_sum += loss, win_acc += acc, win_n++;
        if (o->verbose && ((step + 1) % log_every == 0 || step + 1 == total)) {
            progress_line(&pr, step + 1, loss_sum / loss_n, lr, (double)r.examples);
            loss_sum = 0, loss_n = 0;
        }
    }
    r.seconds = now_seconds() - t0;
    r.final_loss = win_n ? win_sum / win_n : loss_sum / (loss_n ? loss_n : 1);
    free(order), free(ids), free(segs), free(labels), free(pad);
    adam_free(&s_enc), adam_free(&s_head);
    return r;
}

static const BertExamples *g_sort_examples; /* qsort has no context argument in C11 */
static int cmp_by_len(const void *a, const void *b) {
    int ia = *(const int *)a, ib = *(const int *)b;
    int la = g_sort_examples->len[ia], lb = g_sort_examples->len[ib];
    return la != lb ? (la > lb) - (la < lb) : (ia > ib) - (ia < ib);
}

double bert_cls_predict(BertClassifier *c, const BertExamples *e, int batch, int *pred, float *prob) {
    Bert *m = c->bert;
    double t0 = now_seconds();
    int B = batch < m->maxB ? batch : m->maxB, T = m->maxT, K = c->k;
    if (B < 1) B = 1;
    /* Sorting by length makes batches of similar lengths, so little time goes to padding. */
    int *order = xmalloc(sizeof(int) * (size_t)(e->n ? e->n : 1));
    for (int i = 0; i < e->n; i++) order[i] = i;
    g_sort_examples = e;
    qsort(order, (size_t)e->n, sizeof(int), cmp_by_len);
    int *ids = xmalloc(sizeof(int) * (size_t)B * T), *segs = xmalloc(sizeof(int) * (size_t)B * T);
    int *labels = xmalloc(sizeof(int) * (size_t)B);
    unsigned char *pad = xmalloc((size_t)B * T);
    for (int start = 0; start < e->n; start += B) {
        int nb = e->n - start < B ? e->n - start : B;
        int bt = make_batch(e, order + start, nb, ids, segs, pad, labels);
        bert_cls_forward(c, ids, segs, pad, nb, bt, NULL, NULL, NULL);
        for (int b = 0; b < nb; b++) {
            const float *p = c->probs + (size_t)b * K;
            int best = 0;
            for (int j = 1; j < K; j++)
                if (p[j] > p[best]) best = j;
            pred[order[start + b]] = best;
            if (prob) prob[order[start + b]] = p[best];
        }
    }
    free(order), free(ids), free(segs), free(labels), free(pad);
    return now_seconds() - t0;
}

/* ---- model directories ------------------------------------------------------------------------------ */

static char *path_join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* bert_save_dir wrote a BertForPreTraining config.json; make it the config of a sequence
 * classifier: the architecture's name, id2label / label2id, and the pooling. The file is parsed
 * first, so the insertion lands in a valid JSON object. */
static int config_add_labels(const char *dir, const LabelSet *ls, BertPool pool, char *err) {
    char *path = path_join(dir, "config.json");
    size_t len;
    char *text = read_file(path, &len, err);
    if (!text) return free(path), -1;
    JsonValue *root = json_parse(text, len, err);
    if (!root || root->type != JSON_OBJECT || json_get(root, "id2label")) {
        if (root) set_err(err, "%s: not a config.json to add labels to", path);
        json_free(root), free(text), free(path);
        return -1;
    }
    json_free(root);
    size_t end = len;
    while (end > 0 && text[end - 1] != '}') end--;
    if (end == 0) {
        set_err(err, "%s: no closing brace", path);
        return free(text), free(path), -1;
    }
    end--; /* text[end] is the closing '}' */
    while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == '\t'))
        end--;
    text[end] = 0;
    AtomicFile af;
    if (atomic_open(&af, path, err)) return free(text), free(path), -1;
    const char *from = "\"BertForPreTraining\"", *p = strstr(text, from);
    if (p) {
        fwrite(text, 1, (size_t)(p - text), af.f);
        fputs("\"BertForSequenceClassification\"", af.f);
        fputs(p + strlen(from), af.f);
    } else {
        fputs(text, af.f);
    }
    fputs(",\n  \"id2label\": {", af.f);
    for (int i = 0; i < ls->n; i++) {
        fprintf(af.f, "%s\"%d\": ", i ? ", " : "", i);
        json_write_string(af.f, ls->names[i]);
    }
    fputs("},\n  \"label2id\": {", af.f);
    for (int i = 0; i < ls->n; i++) {
        fputs(i ? ", " : "", af.f);
        json_write_string(af.f, ls->names[i]);
        fprintf(af.f, ": %d", i);
    }
    fprintf(af.f, "},\n  \"classifier_pooling\": \"%s\"\n}\n", bert_pool_name(pool));
    free(text), free(path);
    return atomic_commit(&af, err);
}

int bert_cls_save(const BertClassifier *c, const LabelSet *labels, const BertTokenizer *tok, const char *dir,
                  char *err) {
    if (labels->n != c->k) return set_err(err, "bert_cls_save: %d labels for %d classes", labels->n, c->k);
    int64_t wshape[2] = {c->k, c->bert->cfg.hidden}, bshape[1] = {c->k};
    StTensorRef extra[2] = {{"classifier.weight", c->w, 2, wshape}, {"classifier.bias", c->b, 1, bshape}};
    if (bert_dir_save(dir, c->bert, tok, extra, 2, err)) return -1;
    if (config_add_labels(dir, labels, c->pool, err)) return -1;
    char *lp = path_join(dir, "labels.txt");
    AtomicFile af;
    int rc = atomic_open(&af, lp, err);
    free(lp);
    if (rc) return -1;
    for (int i = 0; i < labels->n; i++) fprintf(af.f, "%s\n", labels->names[i]);
    return atomic_commit(&af, err);
}

/* The labels of a classifier directory: config.json's id2label ("0": name, ...), else labels.txt. */
static int load_labels(const char *dir, LabelSet *ls, BertPool *pool, char *err) {
    char *path = path_join(dir, "config.json");
    size_t len;
    char *text = read_file(path, &len, err);
    if (!text) return free(path), -1;
    JsonValue *root = json_parse(text, len, err);
    free(text);
    if (!root) {
        char msg[ERR_LEN];
        snprintf(msg, sizeof msg, "%s", err);
        set_err(err, "%s: %s", path, msg);
        return free(path), -1;
    }
    *pool = POOL_CLS;
    const char *ps;
    if (!json_get_string(root, "classifier_pooling", &ps)) {
        int p = bert_pool_parse(ps);
        if (p < 0) {
            set_err(err, "%s: classifier_pooling '%s' is not cls, mean or first-token", path, ps);
            return json_free(root), free(path), -1;
        }
        *pool = (BertPool)p;
    }
    const JsonValue *map = json_get(root, "id2label");
    memset(ls, 0, sizeof *ls);
    if (map) {
        if (map->type != JSON_OBJECT || map->count == 0 || map->count > 100000) {
            set_err(err, "%s: id2label must be a non-empty object", path);
            return json_free(root), free(path), -1;
        }
        ls->n = (int)map->count;
        ls->names = xcalloc(map->count, sizeof(char *));
        for (size_t i = 0; i < map->count; i++) {
            long id;
            char e2[ERR_LEN];
            if (parse_long(map->keys[i], 0, ls->n - 1, &id, "an id2label key", e2) || ls->names[id] ||
                map->items[i].type != JSON_STRING || strlen(map->items[i].string) != map->items[i].len) {
                set_err(err, "%s: id2label needs the keys \"0\" .. \"%d\" once each, with string values (at '%s')", path,
                        ls->n - 1, map->keys[i]);
                labelset_free(ls);
                return json_free(root), free(path), -1;
            }
            ls->names[id] = xstrdup(map->items[i].string);
        }
        json_free(root), free(path);
        return 0;
    }
    json_free(root), free(path);
    path = path_join(dir, "labels.txt");
    text = read_file(path, &len, err);
    if (!text) {
        set_err(err, "%s: no labels (config.json has no id2label and there is no labels.txt): "
                     "not a fine-tuned classifier (make one with 'bert finetune')", dir);
        return free(path), -1;
    }
    ls->names = xcalloc(len + 1, sizeof(char *));
    for (char *line = strtok(text, "\r\n"); line; line = strtok(NULL, "\r\n"))
        if (*line) ls->names[ls->n++] = xstrdup(line);
    free(text), free(path);
    if (ls->n == 0) return labelset_free(ls), set_err(err, "%s/labels.txt is empty", dir);
    return 0;
}

int bert_cls_load(const char *dir, Bert *m, BertClassifier *c, LabelSet *labels, BertTokenizer *tok, int maxB,
                  int maxT, char *err) {
    BertPool pool;
    if (load_labels(dir, labels, &pool, err)) return -1;
    BertConfig cfg;
    if (bert_load_config(dir, &cfg, err)) return labelset_free(labels), -1;
    if (maxT <= 0 || maxT > cfg.max_pos) maxT = cfg.max_pos; /* texts are cut to the model's length */
    SafeTensors st;
    if (bert_dir_open(dir, m, tok, maxB, maxT, &st, err)) return labelset_free(labels), -1;
    int K = labels->n, C = m->cfg.hidden;
    const StEntry *we = st_find(&st, "classifier.weight");
    if (!we) {
        set_err(err, "%s/model.safetensors has no classifier.weight: not a fine-tuned classifier "
                     "(make one with 'bert finetune')", dir);
        goto fail;
    }
    bert_cls_init(c, m, K, pool, m->cfg.hidden_dropout, NULL);
    int64_t ws[2] = {K, C}, bs[1] = {K};
    char e2[ERR_LEN];
    if (st_read_f32(&st, "classifier.weight", c->w, 2, ws, e2) || st_read_f32(&st, "classifier.bias", c->b, 1, bs, e2)) {
        set_err(err, "%s: %s (%d labels, hidden %d)", dir, e2, K, C);
        bert_cls_free(c);
        goto fail;
    }
    st_free(&st);
    return 0;
fail:
    st_free(&st);
    bert_tok_free(tok);
    bert_free(m);
    labelset_free(labels);
    return -1;
}
