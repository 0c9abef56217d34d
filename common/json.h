/* json.h - a small, strict JSON (RFC 8259) tree parser, and a string writer.
 *
 * Used to read the header of safetensors checkpoints and Hugging Face config.json files, both of
 * which can come from anywhere, so the parser is written for hostile input:
 *  - everything RFC 8259 allows is accepted; everything it forbids is rejected (trailing commas,
 *    comments, single quotes, leading zeros, NaN, control characters inside strings, invalid
 *    UTF-8, lone UTF-16 surrogates in \u escapes, garbage after the value);
 *  - duplicate keys in an object are rejected: the RFC leaves their meaning open, and two readers
 *    that pick different copies are a classic way to smuggle a value past a check;
 *  - nesting deeper than JSON_MAX_DEPTH is rejected, so "[[[[..." cannot overflow the stack;
 *  - the input is read through (text, len) only: it need not be NUL-terminated.
 * An error message names the byte offset and what was expected there, e.g.
 *     "byte 5: expected a value (object, array, string, number, true, false or null), found ']'".
 *
 * Memory: one allocation for the decoded strings (at most len bytes, since a decoded string is
 * never longer than its quoted form), plus one block of the exact size per non-empty object or
 * array (its values, and an object's keys). Each value takes 32 bytes (and a key pointer 8), so a
 * document of len bytes needs at most about 32 * len bytes (worst case "[0,0,0,...]"); while it
 * parses, a scratch stack holds the members of the containers still open (as much again).
 *
 * Leaves out: writing whole documents (writers print their few fields with fprintf and
 * json_write_string), comments and other JSON5 extensions, numbers beyond double range.
 */
#ifndef COMMON_JSON_H
#define COMMON_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Deeper documents are rejected. Real configs and safetensors headers nest 3 levels. */
#define JSON_MAX_DEPTH 128

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonValue JsonValue;
/* One value of the tree. Read the member that matches `type`; the others share its storage. */
struct JsonValue {
    JsonType type;
    /* JSON_NUMBER: 1 when the number was written as an integer (no fraction, no exponent) that fits
     * in int64_t; `integer` then holds it exactly (a double holds integers exactly only up to 2^53,
     * and offsets into files can be larger). "2.0" and "1e3" are numbers but not integers. */
    int is_int;
    union {
        int boolean; /* JSON_BOOL: 0 or 1 */
        struct {     /* JSON_NUMBER */
            double number;
            int64_t integer; /* valid when is_int */
        };
        struct {          /* JSON_STRING: UTF-8, NUL-terminated; may hold "\u0000", so len rules */
            char *string; /* owned by the document */
            size_t len;
        };
        struct {              /* JSON_ARRAY and JSON_OBJECT */
            JsonValue *items; /* count values (an object's values, in the order of the text) */
            char **keys;      /* JSON_OBJECT: count keys, parallel to items; NULL for arrays */
            size_t count;
        };
    };
};

/* Parse len bytes of text. Returns the root value (free it with json_free), or NULL with err
 * (ERR_LEN bytes) set. Keys may not contain "\u0000" (they are looked up as C strings). */
JsonValue *json_parse(const char *text, size_t len, char *err);
/* Free a document. v must be the pointer json_parse returned (or NULL), never an inner value. */
void json_free(JsonValue *v);

/* "null", "boolean", "number", "string", "array", "object": for error messages. */
const char *json_type_name(JsonType t);

/* Member `key` of an object, or NULL if obj is NULL, not an object, or has no such key. */
const JsonValue *json_get(const JsonValue *obj, const char *key);
/* Typed look-ups: 0 and *out set, or -1 (out untouched) if the key is absent or of another type.
 * json_get_int wants an integer (is_int); json_get_number takes any number; json_get_string
 * refuses strings holding "\u0000" (a C string would silently cut them). */
int json_get_int(const JsonValue *obj, const char *key, int64_t *out);
int json_get_number(const JsonValue *obj, const char *key, double *out);
int json_get_string(const JsonValue *obj, const char *key, const char **out);
int json_get_bool(const JsonValue *obj, const char *key, int *out);

/* Write s (valid UTF-8) as a JSON string: quoted, with '"', '\' and control characters escaped as
 * Rust's serde_json (and Python's json.dumps with ensure_ascii=False) do: "\n", "\u001f"; every
 * other byte, non-ASCII included, as is. */
void json_write_string(FILE *f, const char *s);

#endif
