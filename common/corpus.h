/* corpus.h - read a text file for training, and refuse the files that would train on garbage.
 *
 * What it teaches: a reader of outside data checks it once, at the door, and says exactly what is
 * wrong and where ("data/x.txt:12: invalid UTF-8 at byte offset 345"), so that a user who hands in
 * a GBK-encoded novel, a UTF-16 export or a binary file learns it in a second rather than from a
 * model that trained on mojibake. Everything after corpus_read may assume valid UTF-8 with '\n'
 * line ends.
 *
 * What it leaves out: encodings other than UTF-8 (convert with iconv), streaming of files larger
 * than memory.
 */
#ifndef COMMON_CORPUS_H
#define COMMON_CORPUS_H

#include <stddef.h>

/* Read the whole file at path. Returns a NUL-terminated buffer (caller frees) and its length in
 * *len (the NUL not counted), with:
 *   - a leading UTF-8 byte-order mark (EF BB BF) removed;
 *   - Windows (CRLF) and old Mac (lone CR) line ends turned into '\n'.
 * Returns NULL with err (ERR_LEN bytes) set for:
 *   - a missing or unreadable file, or a directory;
 *   - an empty file, or one holding only white space (Unicode spaces included);
 *   - binary data: "'PATH' looks binary: NUL byte at offset N" (offset in the file as it is on
 *     disk; a UTF-16 byte-order mark gets a hint to convert);
 *   - invalid UTF-8: "PATH:LINE: invalid UTF-8 at byte offset N" followed by the bad bytes and a
 *     hint; LINE is 1-based and N counts from the start of the file on disk (BOM included). */
char *corpus_read(const char *path, size_t *len, char *err);
/* The same for text already in memory, data[0..size) (not changed; the result is a cleaned copy),
 * called name where the messages above give the path: corpus_read is this after reading the
 * file. */
char *corpus_parse(const char *data, size_t size, const char *name, size_t *len, char *err);

#endif
