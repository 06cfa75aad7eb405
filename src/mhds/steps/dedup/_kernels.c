/* The hashing spec's inner loops: XXH32 word hashes, shingle windows and the MinHash minimum.
 *
 * minhash.py states the spec and is the only caller: it allocates every array (numpy) and
 * passes them as buffers, so this file needs Python's headers only. Every loop is integer
 * arithmetic on fixed constants, so its values are the written spec's on every machine; the
 * tests hold them to the spec written out in plain Python. The loops run without the GIL.
 *
 * Every function checks the sizes of its buffers and the offsets it is given against each
 * other before it reads or writes one element, and raises ValueError otherwise.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define P1 0x9E3779B1U
#define P2 0x85EBCA77U
#define P3 0xC2B2AE3DU
#define P4 0x27D4EB2FU
#define P5 0x165667B1U
#define SHINGLE_MULT 0x9E3779B97F4A7C15ULL
#define FMIX_1 0xFF51AFD7ED558CCDULL
#define FMIX_2 0xC4CEB9FE1A85EC53ULL

/* One copy of the minimum loop per instruction set, chosen when the module loads (GCC's
 * function multi-versioning, glibc's ifunc): AVX-512 multiplies and compares eight 64-bit
 * lanes at once, AVX2 four. Elsewhere the compiler's default target. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static inline uint32_t read32le(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint32_t round32(uint32_t acc, uint32_t lane) {
    return rotl32(acc + lane * P2, 13) * P1;
}

/* XXH32, seed 0. */
static uint32_t xxh32(const uint8_t *p, size_t len) {
    const uint8_t *end = p + len;
    uint32_t h;
    if (len >= 16) {
        uint32_t v1 = P1 + P2, v2 = P2, v3 = 0, v4 = 0U - P1;
        while (end - p >= 16) {
            v1 = round32(v1, read32le(p));
            v2 = round32(v2, read32le(p + 4));
            v3 = round32(v3, read32le(p + 8));
            v4 = round32(v4, read32le(p + 12));
            p += 16;
        }
        h = rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18);
    } else {
        h = P5;
    }
    h += (uint32_t)len;
    for (; end - p >= 4; p += 4) h = rotl32(h + read32le(p) * P3, 17) * P4;
    for (; p < end; p++) h = rotl32(h + (uint32_t)*p * P5, 11) * P1;
    h ^= h >> 15;
    h *= P2;
    h ^= h >> 13;
    h *= P3;
    return h ^ (h >> 16);
}

static inline uint64_t fmix64(uint64_t x) {
    x ^= x >> 33;
    x *= FMIX_1;
    x ^= x >> 33;
    x *= FMIX_2;
    return x ^ (x >> 33);
}

/* bytes.split()'s separators: space, \t, \n, \v, \f, \r. */
static inline int is_space(uint8_t c) { return c == ' ' || (c >= 9 && c <= 13); }

/* Sizes in elements of each buffer, after checking that each holds whole elements. */
static int elements(const Py_buffer *view, Py_ssize_t size, const char *name, Py_ssize_t *n) {
    if (view->len % size != 0) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not a whole number of %zd-byte items",
                     name, view->len, size);
        return -1;
    }
    *n = view->len / size;
    return 0;
}

/* Offsets must start at 0, never decrease and end at `total`. */
static int check_offsets(const int64_t *offsets, Py_ssize_t n, int64_t total, const char *name) {
    if (n < 1 || offsets[0] != 0 || offsets[n - 1] != total) {
        PyErr_Format(PyExc_ValueError, "%s must run from 0 to %lld", name, (long long)total);
        return -1;
    }
    for (Py_ssize_t i = 1; i < n; i++) {
        if (offsets[i] < offsets[i - 1]) {
            PyErr_Format(PyExc_ValueError, "%s decrease at %zd", name, i);
            return -1;
        }
    }
    return 0;
}

PyDoc_STRVAR(word_hashes_doc,
             "word_hashes(text, offsets, words, counts) -> int\n\n"
             "XXH32 (seed 0) of every word of every document into `words` (uint64), and each\n"
             "document's word count into `counts` (int64). Document d is\n"
             "text[offsets[d]:offsets[d+1]] (offsets: int64, from 0 to len(text)), split as\n"
             "bytes.split() splits. Returns the number of words written.");

static PyObject *word_hashes(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer text, offsets, words, counts;
    if (!PyArg_ParseTuple(args, "y*y*w*w*", &text, &offsets, &words, &counts)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t n_offsets, n_docs, capacity, n = 0;
    if (elements(&offsets, 8, "offsets", &n_offsets) ||
        elements(&counts, 8, "counts", &n_docs) || elements(&words, 8, "words", &capacity) ||
        check_offsets(offsets.buf, n_offsets, text.len, "offsets"))
        goto done;
    const int64_t *offset = offsets.buf;
    if (n_offsets != n_docs + 1) {
        PyErr_SetString(PyExc_ValueError, "counts must have one item per document");
        goto done;
    }
    /* A document of L bytes holds at most (L + 1) / 2 words: all of them, (L + n_docs) / 2. */
    if (capacity * 2 < text.len + n_docs) {
        PyErr_SetString(PyExc_ValueError, "words is too small for the text");
        goto done;
    }
    const uint8_t *buf = text.buf;
    uint64_t *out = words.buf;
    int64_t *count = counts.buf;
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        Py_ssize_t i = offset[d], stop = offset[d + 1], in_doc = 0;
        while (i < stop) {
            while (i < stop && is_space(buf[i])) i++;
            if (i == stop) break;
            Py_ssize_t first = i;
            while (i < stop && !is_space(buf[i])) i++;
            out[n++] = xxh32(buf + first, (size_t)(i - first));
            in_doc++;
        }
        count[d] = in_doc;
    }
    Py_END_ALLOW_THREADS;
    result = PyLong_FromSsize_t(n);
done:
    PyBuffer_Release(&text);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&words);
    PyBuffer_Release(&counts);
    return result;
}

PyDoc_STRVAR(shingle_values_doc,
             "shingle_values(words, counts, offsets, k, out) -> None\n\n"
             "The 32-bit shingle hashes of documents of counts[d] words each (words: uint64,\n"
             "counts: int64) into out (uint32): windows offsets[d] to offsets[d+1] (int64) are\n"
             "document d's, count - k + 1 of them for a document of at least k words, one of all\n"
             "its words for a shorter one, none for an empty one.");

static PyObject *shingle_values(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer words, counts, offsets, out;
    Py_ssize_t k;
    if (!PyArg_ParseTuple(args, "y*y*y*nw*", &words, &counts, &offsets, &k, &out)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t n_words, n_docs, n_offsets, n_out;
    if (elements(&words, 8, "words", &n_words) || elements(&counts, 8, "counts", &n_docs) ||
        elements(&offsets, 8, "offsets", &n_offsets) || elements(&out, 4, "out", &n_out))
        goto done;
    const int64_t *count = counts.buf, *offset = offsets.buf;
    if (k < 1 || n_offsets != n_docs + 1 || check_offsets(offset, n_offsets, n_out, "offsets"))
        goto invalid;
    int64_t total = 0;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        int64_t c = count[d], windows = c >= k ? c - k + 1 : (c > 0);
        if (c < 0 || offset[d + 1] - offset[d] != windows) goto invalid;
        total += c;
    }
    if (total != n_words) goto invalid;
    const uint64_t *word = words.buf;
    uint32_t *value = out.buf;
    Py_BEGIN_ALLOW_THREADS;
    const uint64_t *first = word;
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        int64_t width = count[d] < k ? count[d] : k;
        for (int64_t w = offset[d]; w < offset[d + 1]; w++, first++) {
            uint64_t acc = 0;
            for (int64_t j = 0; j < width; j++) acc = acc * SHINGLE_MULT + first[j];
            value[w] = (uint32_t)(fmix64(acc) >> 32);
        }
        first += count[d] - (offset[d + 1] - offset[d]);
    }
    Py_END_ALLOW_THREADS;
    result = Py_None;
    Py_INCREF(result);
    goto done;
invalid:
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "words, counts, offsets and k do not agree");
done:
    PyBuffer_Release(&words);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&out);
    return result;
}

/* Four shingles per pass over the permutations: `best` is loaded and stored once per four
 * multiply-adds, and the loop over the permutations vectorises. The shift by 32 is applied at
 * the end, as the minimum commutes with it. */
CLONES static void minhash_rows(const uint32_t *restrict values, const int64_t *restrict offsets,
                                Py_ssize_t n_docs, const uint64_t *restrict a,
                                const uint64_t *restrict b, Py_ssize_t perms,
                                uint64_t *restrict best, uint32_t *restrict out) {
    for (Py_ssize_t d = 0; d < n_docs; d++) {
        for (Py_ssize_t j = 0; j < perms; j++) best[j] = UINT64_MAX;
        int64_t i = offsets[d], end = offsets[d + 1];
        for (; i + 4 <= end; i += 4) {
            uint64_t x0 = values[i], x1 = values[i + 1], x2 = values[i + 2], x3 = values[i + 3];
            for (Py_ssize_t j = 0; j < perms; j++) {
                uint64_t h0 = a[j] * x0 + b[j], h1 = a[j] * x1 + b[j];
                uint64_t h2 = a[j] * x2 + b[j], h3 = a[j] * x3 + b[j];
                uint64_t m01 = h0 < h1 ? h0 : h1, m23 = h2 < h3 ? h2 : h3;
                uint64_t m = m01 < m23 ? m01 : m23;
                best[j] = m < best[j] ? m : best[j];
            }
        }
        for (; i < end; i++) {
            uint64_t x = values[i];
            for (Py_ssize_t j = 0; j < perms; j++) {
                uint64_t h = a[j] * x + b[j];
                best[j] = h < best[j] ? h : best[j];
            }
        }
        for (Py_ssize_t j = 0; j < perms; j++) out[d * perms + j] = (uint32_t)(best[j] >> 32);
    }
}

PyDoc_STRVAR(minhash_doc,
             "minhash(values, offsets, a, b, out) -> None\n\n"
             "Row d of out (uint32, documents x permutations) is, per permutation j, the minimum\n"
             "over x in values[offsets[d]:offsets[d+1]] (values: uint32, offsets: int64) of\n"
             "((a[j] * x + b[j]) mod 2**64) >> 32 (a, b: uint64); 0xFFFFFFFF for no values.");

static PyObject *minhash(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer values, offsets, a, b, out;
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*", &values, &offsets, &a, &b, &out)) return NULL;
    PyObject *result = NULL;
    uint64_t *best = NULL;
    Py_ssize_t n_values, n_offsets, perms, n_b, n_out;
    if (elements(&values, 4, "values", &n_values) ||
        elements(&offsets, 8, "offsets", &n_offsets) || elements(&a, 8, "a", &perms) ||
        elements(&b, 8, "b", &n_b) || elements(&out, 4, "out", &n_out) ||
        check_offsets(offsets.buf, n_offsets, n_values, "offsets"))
        goto done;
    Py_ssize_t n_docs = n_offsets - 1;
    if (perms < 1 || n_b != perms || n_out != n_docs * perms) {
        PyErr_SetString(PyExc_ValueError, "a, b and out must have one item per permutation");
        goto done;
    }
    best = PyMem_RawMalloc((size_t)perms * sizeof(uint64_t));
    if (best == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS;
    minhash_rows(values.buf, offsets.buf, n_docs, a.buf, b.buf, perms, best, out.buf);
    Py_END_ALLOW_THREADS;
    result = Py_None;
    Py_INCREF(result);
done:
    PyMem_RawFree(best);
    PyBuffer_Release(&values);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&out);
    return result;
}

static PyMethodDef methods[] = {
    {"word_hashes", word_hashes, METH_VARARGS, word_hashes_doc},
    {"shingle_values", shingle_values, METH_VARARGS, shingle_values_doc},
    {"minhash", minhash, METH_VARARGS, minhash_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "mhds.steps.dedup._kernels",
    .m_doc = "The hashing spec's inner loops (minhash.py states the spec).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
