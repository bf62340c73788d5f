/*
 * _engine.c — the CPython extension module `causalfair._engine`.
 *
 * A thin shim over the C ABI in causalfair.h: it converts arguments (buffer protocol,
 * no copies), releases the GIL around every engine computation, and maps the engine's
 * status codes to Python exceptions. It holds no numerics and no policy; everything a
 * user sees (names, defaults, pandas) lives in the Python package.
 *
 * Every function follows the same shape:
 *
 *     Call c;
 *     if (!call_begin(&c, handle)) return NULL;        // handle live, right kind, not being written
 *     const Py_buffer *x = acquire(&c, obj, "x", F64, 2);
 *     ...                                               // no-ops once one has failed
 *     ENGINE(&c, cf_...(...));                          // skipped if anything failed
 *     return call_end(&c) ? NULL : Py_NewRef(Py_None);  // releases all, maps status
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <time.h>

#include "causalfair.h"

#define ERR_LEN 1024
#define MAX_VIEWS 6

/* ------------------------------------------------------------------ Handle ------ */

typedef struct {
    PyObject_HEAD
    void *ptr;   /* engine object; NULL once freed */
    int kind;    /* CF_HANDLE_* */
    int busy;    /* engine calls running with the GIL released: the number reading the
                    handle, or WRITING while one call modifies it (fit, train, set) */
} HandleObject;

static void free_engine_object(int kind, void *ptr) {
    switch (kind) {
    case CF_HANDLE_SCM: cf_scm_free(ptr); break;
    case CF_HANDLE_MODEL: cf_model_free(ptr); break;
    default: break;
    }
}

static const char *kind_name(int kind) {
    switch (kind) {
    case CF_HANDLE_SCM: return "SCM";
    case CF_HANDLE_MODEL: return "model";
    default: return "unknown";
    }
}

static void Handle_dealloc(HandleObject *self) {
    if (self->ptr != NULL) {
        free_engine_object(self->kind, self->ptr);
        self->ptr = NULL;
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Handle_repr(HandleObject *self) {
    return PyUnicode_FromFormat("<causalfair._engine.Handle %s %s>", kind_name(self->kind),
                                self->ptr ? "open" : "closed");
}

static PyObject *Handle_get_kind(HandleObject *self, void *closure) {
    (void)closure;
    return PyLong_FromLong(self->kind);
}

static PyObject *Handle_get_closed(HandleObject *self, void *closure) {
    (void)closure;
    return PyBool_FromLong(self->ptr == NULL);
}

static PyGetSetDef Handle_getset[] = {
    {"kind", (getter)Handle_get_kind, NULL, "Handle kind (HANDLE_SCM, ...).", NULL},
    {"closed", (getter)Handle_get_closed, NULL, "True once the engine object is freed.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject HandleType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "causalfair._engine.Handle",
    .tp_doc = "Opaque handle to an engine object. Created by the *_new functions only; "
              "freed by the matching *_free function or when garbage-collected.",
    .tp_basicsize = sizeof(HandleObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)Handle_dealloc,
    .tp_repr = (reprfunc)Handle_repr,
    .tp_getset = Handle_getset,
    /* no tp_new: Python code cannot forge a handle */
};

static PyObject *new_handle(void *ptr, int kind) {
    HandleObject *h = PyObject_New(HandleObject, &HandleType);
    if (h == NULL) {
        free_engine_object(kind, ptr);
        return NULL;
    }
    h->ptr = ptr;
    h->kind = kind;
    h->busy = 0;
    return (PyObject *)h;
}

#define WRITING (-1)

/* Checks that h is a live handle of `kind` that the call may use: any number of calls
   may read a handle at once; a call that modifies it needs it to itself. Marks it. */
static int check_handle(HandleObject *h, int kind, int write) {
    if (h->ptr == NULL) {
        PyErr_SetString(PyExc_ValueError, "handle is closed");
        return 0;
    }
    if (h->kind != kind) {
        PyErr_Format(PyExc_TypeError, "expected an %s handle, got a %s handle",
                     kind_name(kind), kind_name(h->kind));
        return 0;
    }
    if (h->busy == WRITING || (write && h->busy != 0)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "handle is in use by another thread (it is being fitted or "
                        "modified, or is being read while a fit was asked for)");
        return 0;
    }
    h->busy = write ? WRITING : h->busy + 1;
    return 1;
}

/* Undoes check_handle's mark. */
static void release_handle(HandleObject *h) {
    h->busy = h->busy == WRITING ? 0 : h->busy - 1;
}

/* -------------------------------------------------------------------- Call ------ */

enum { F64 = 1, I64 = 2, WRITE = 4 };

typedef struct {
    HandleObject *handle;           /* marked in use between call_begin and call_end */
    HandleObject *other;            /* a second handle the call reads (call_also) */
    Py_buffer views[MAX_VIEWS];
    int n_views;
    int failed;                     /* a Python exception is set */
    int32_t status;                 /* engine status, CF_OK unless an engine call failed */
    char err[ERR_LEN];
} Call;

static int call_begin_mode(Call *c, HandleObject *h, int kind, int write) {
    c->handle = NULL;
    c->other = NULL;
    c->n_views = 0;
    c->failed = 0;
    c->status = CF_OK;
    c->err[0] = '\0';
    if (h != NULL) {
        if (!check_handle(h, kind, write)) return 0;
        c->handle = h;
    }
    return 1;
}

/* A call that reads `h` (NULL: no handle). */
static int call_begin(Call *c, HandleObject *h, int kind) { return call_begin_mode(c, h, kind, 0); }

/* A call that modifies `h`: it must have the handle to itself. */
static int call_begin_writing(Call *c, HandleObject *h, int kind) { return call_begin_mode(c, h, kind, 1); }

/* Marks a second handle (of `kind`) as read by the call; None is allowed and ignored. */
static void call_also(Call *c, PyObject *obj, int kind, const char *name) {
    if (c->failed || obj == Py_None) return;
    if (!PyObject_TypeCheck(obj, &HandleType)) {
        PyErr_Format(PyExc_TypeError, "%s must be a Handle or None, got %.100s", name,
                     Py_TYPE(obj)->tp_name);
        c->failed = 1;
        return;
    }
    HandleObject *h = (HandleObject *)obj;
    if (!check_handle(h, kind, 0)) {
        c->failed = 1;
        return;
    }
    c->other = h;
}

static int format_matches(const Py_buffer *v, int type) {
    const char *f = v->format ? v->format : "B";
    if (*f == '@' || *f == '=') f++;
#if PY_LITTLE_ENDIAN
    else if (*f == '<') f++;
#else
    else if (*f == '>' || *f == '!') f++;
#endif
    if (f[0] == '\0' || f[1] != '\0' || v->itemsize != 8) return 0;
    if (type & F64) return f[0] == 'd';
    return f[0] == 'q' || f[0] == 'l';  /* numpy reports int64 as 'l' on LP64 */
}

static void describe_expected(char *buf, size_t n, const char *name, int type, int ndim) {
    snprintf(buf, n, "%s must be a %sC-contiguous %s array with %d dimension%s", name,
             (type & WRITE) ? "writable " : "", (type & F64) ? "float64" : "int64", ndim,
             ndim == 1 ? "" : "s");
}

/* Acquires obj's buffer as a C-contiguous array of the given type and ndim, or sets
   TypeError naming the argument. Returns NULL (and does nothing) once the call failed. */
static const Py_buffer *acquire(Call *c, PyObject *obj, const char *name, int type,
                                int ndim) {
    if (c->failed) return NULL;
    char expected[160];
    describe_expected(expected, sizeof expected, name, type, ndim);
    if (c->n_views >= MAX_VIEWS) {  /* a bug in this file, not in the caller's input */
        PyErr_SetString(PyExc_SystemError, "_engine: too many buffers in one call");
        c->failed = 1;
        return NULL;
    }
    Py_buffer *v = &c->views[c->n_views];
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | ((type & WRITE) ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, v, flags) != 0) {
        PyObject *exc_type, *exc, *tb;
        PyErr_Fetch(&exc_type, &exc, &tb);
        PyObject *why = exc ? PyObject_Str(exc) : NULL;
        Py_XDECREF(exc_type);
        Py_XDECREF(exc);
        Py_XDECREF(tb);
        if (why != NULL) {
            PyErr_Format(PyExc_TypeError, "%s, got %.100s (%U)", expected,
                         Py_TYPE(obj)->tp_name, why);
            Py_DECREF(why);
        } else {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s, got %.100s", expected, Py_TYPE(obj)->tp_name);
        }
        c->failed = 1;
        return NULL;
    }
    if (!format_matches(v, type) || v->ndim != ndim) {
        PyErr_Format(PyExc_TypeError,
                     "%s, got an array of format '%s' (itemsize %zd) with %d dimension%s",
                     expected, v->format ? v->format : "B", v->itemsize, v->ndim,
                     v->ndim == 1 ? "" : "s");
        PyBuffer_Release(v);
        c->failed = 1;
        return NULL;
    }
    c->n_views++;
    return v;
}

/* Sets ValueError unless a and b have the same shape (the engine is given one shape). */
static void require_same_shape(Call *c, const Py_buffer *a, const char *a_name,
                               const Py_buffer *b, const char *b_name) {
    if (c->failed) return;
    if (a->ndim == b->ndim && memcmp(a->shape, b->shape, sizeof(Py_ssize_t) * a->ndim) == 0)
        return;
    PyErr_Format(PyExc_ValueError, "%s must have the same shape as %s", b_name, a_name);
    c->failed = 1;
}

#define ROWS(v) ((int64_t)(v)->shape[0])
#define COLS(v) ((int64_t)(v)->shape[1])
#define LEN(v) ((int64_t)((v)->len / (v)->itemsize))

/* Runs one engine call with the GIL released, unless the call already failed. */
#define ENGINE(c, expr)                          \
    do {                                         \
        if (!(c)->failed) {                      \
            int32_t status_;                     \
            Py_BEGIN_ALLOW_THREADS               \
            status_ = (expr);                    \
            Py_END_ALLOW_THREADS                 \
            (c)->status = status_;               \
        }                                        \
    } while (0)

/* Releases everything acquired and raises for a failed engine status.
   Returns 0 on success, -1 with an exception set. */
static int call_end(Call *c) {
    for (int i = 0; i < c->n_views; i++) PyBuffer_Release(&c->views[i]);
    c->n_views = 0;
    if (c->handle != NULL) release_handle(c->handle);
    if (c->other != NULL) release_handle(c->other);
    if (c->failed) return -1;
    if (c->status == CF_OK) return 0;
    if (c->status == CF_INTERRUPTED) {  /* keep what the progress callback raised */
        if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
        return -1;
    }
    c->err[ERR_LEN - 1] = '\0';
    const char *msg = c->err[0] ? c->err : "engine call failed";
    PyObject *exc;
    switch (c->status) {
    case CF_VALUE_ERROR: exc = PyExc_ValueError; break;
    case CF_TYPE_ERROR: exc = PyExc_TypeError; break;
    case CF_MEMORY_ERROR: exc = PyExc_MemoryError; break;
    case CF_RUNTIME_ERROR: exc = PyExc_RuntimeError; break;
    case CF_KEY_ERROR: exc = PyExc_KeyError; break;
    default:
        PyErr_Format(PyExc_RuntimeError, "engine returned unknown status %d: %s",
                     (int)c->status, msg);
        return -1;
    }
    if (exc == PyExc_KeyError) {  /* KeyError's str() is the repr of its argument */
        PyObject *m = PyUnicode_FromString(msg);
        if (m != NULL) {
            PyErr_SetObject(exc, m);
            Py_DECREF(m);
        }
    } else {
        PyErr_SetString(exc, msg);
    }
    return -1;
}

#define RETURN_NONE_OR_NULL(c)                   \
    do {                                         \
        if (call_end(c) != 0) return NULL;       \
        Py_RETURN_NONE;                          \
    } while (0)

/* A seed: a Python int (or anything with __index__) in [0, 2**64). */
static int parse_seed(PyObject *obj, uint64_t *out) {
    PyObject *i = PyNumber_Index(obj);
    if (i == NULL) return 0;
    unsigned long long v = PyLong_AsUnsignedLongLong(i);
    Py_DECREF(i);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            PyErr_SetString(PyExc_OverflowError, "seed must be an int in [0, 2**64)");
        }
        return 0;
    }
    *out = (uint64_t)v;
    return 1;
}

/* ------------------------------------------------------------------ module ------ */

#define H_ARG "O!"
#define H_PARSE &HandleType, &h

static PyObject *py_version(PyObject *self, PyObject *noargs) {
    (void)self;
    (void)noargs;
    const char *v = cf_version();
    return PyUnicode_FromString(v ? v : "");
}

static PyObject *py_scm_new(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *ints_o, *doubles_o;
    if (!PyArg_ParseTuple(args, "OO:scm_new", &ints_o, &doubles_o)) return NULL;
    Call c;
    call_begin(&c, NULL, 0);
    const Py_buffer *ints = acquire(&c, ints_o, "spec_ints", I64, 1);
    const Py_buffer *doubles = acquire(&c, doubles_o, "spec_doubles", F64, 1);
    void *ptr = NULL;
    ENGINE(&c, cf_scm_new(ints->buf, LEN(ints), doubles->buf, LEN(doubles), &ptr, c.err,
                          ERR_LEN));
    if (call_end(&c) != 0) return NULL;
    if (ptr == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "engine returned no SCM");
        return NULL;
    }
    return new_handle(ptr, CF_HANDLE_SCM);
}

static PyObject *py_scm_free(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    if (!PyArg_ParseTuple(args, H_ARG ":scm_free", H_PARSE)) return NULL;
    if (h->ptr == NULL) Py_RETURN_NONE;  /* idempotent */
    if (h->kind != CF_HANDLE_SCM) return PyErr_Format(PyExc_TypeError, "expected an SCM handle");
    if (h->busy) return PyErr_Format(PyExc_RuntimeError, "handle is in use by another thread");
    void *ptr = h->ptr;
    h->ptr = NULL;
    cf_scm_free(ptr);  /* cheap; kept under the GIL like tp_dealloc */
    Py_RETURN_NONE;
}

static PyObject *py_scm_info(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    if (!PyArg_ParseTuple(args, H_ARG ":scm_info", H_PARSE)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    int64_t info[8] = {0};
    ENGINE(&c, cf_scm_info(h->ptr, info, 8, c.err, ERR_LEN));
    if (call_end(&c) != 0) return NULL;
    return Py_BuildValue("(LLLLLLLL)", (long long)info[0], (long long)info[1],
                         (long long)info[2], (long long)info[3], (long long)info[4],
                         (long long)info[5], (long long)info[6], (long long)info[7]);
}

static PyObject *py_scm_fit(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *data_o, *seed_o;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, H_ARG "OO:scm_fit", H_PARSE, &data_o, &seed_o)) return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    Call c;
    if (!call_begin_writing(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *data = acquire(&c, data_o, "data", F64, 2);
    ENGINE(&c, cf_scm_fit(h->ptr, data->buf, ROWS(data), COLS(data), seed, c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

/* The map-like calls: (h, data, out), both 2-D float64. */
typedef int32_t (*map_fn)(void *, const double *, int64_t, int64_t, double *, int64_t, char *,
                          int64_t);

static PyObject *map_call(PyObject *args, const char *fmt, map_fn fn, const char *in_name) {
    HandleObject *h;
    PyObject *data_o, *out_o;
    if (!PyArg_ParseTuple(args, fmt, H_PARSE, &data_o, &out_o)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *data = acquire(&c, data_o, in_name, F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 2);
    ENGINE(&c, fn(h->ptr, data->buf, ROWS(data), COLS(data), out->buf, LEN(out), c.err,
                  ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_abduct(PyObject *self, PyObject *args) {
    (void)self;
    return map_call(args, H_ARG "OO:scm_abduct", cf_scm_abduct, "data");
}

static PyObject *py_scm_twins(PyObject *self, PyObject *args) {
    (void)self;
    return map_call(args, H_ARG "OO:scm_twins", cf_scm_twins, "data");
}

static PyObject *py_scm_phi(PyObject *self, PyObject *args) {
    (void)self;
    return map_call(args, H_ARG "OO:scm_phi", cf_scm_phi, "data");
}

static PyObject *py_scm_phi_inverse(PyObject *self, PyObject *args) {
    (void)self;
    return map_call(args, H_ARG "OO:scm_phi_inverse", cf_scm_phi_inverse, "z");
}

static PyObject *py_scm_factual_levels(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *data_o, *out_o;
    if (!PyArg_ParseTuple(args, H_ARG "OO:scm_factual_levels", H_PARSE, &data_o, &out_o))
        return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *data = acquire(&c, data_o, "data", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", I64 | WRITE, 1);
    ENGINE(&c, cf_scm_factual_levels(h->ptr, data->buf, ROWS(data), COLS(data), out->buf,
                                     LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

/* (h, out) calls with an int64 output. */
typedef int32_t (*out_only_fn)(void *, int64_t *, int64_t, char *, int64_t);

static PyObject *out_only(PyObject *args, const char *fmt, out_only_fn fn, int out_ndim) {
    HandleObject *h;
    PyObject *out_o;
    if (!PyArg_ParseTuple(args, fmt, H_PARSE, &out_o)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *out = acquire(&c, out_o, "out", I64 | WRITE, out_ndim);
    ENGINE(&c, fn(h->ptr, out->buf, LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_twin_levels(PyObject *self, PyObject *args) {
    (void)self;
    return out_only(args, H_ARG "O:scm_twin_levels", cf_scm_twin_levels, 2);
}

static PyObject *py_scm_perturbable(PyObject *self, PyObject *args) {
    (void)self;
    return out_only(args, H_ARG "O:scm_perturbable", cf_scm_perturbable, 1);
}

static PyObject *py_scm_counterfactual(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *data_o, *nodes_o, *values_o, *out_o;
    if (!PyArg_ParseTuple(args, H_ARG "OOOO:scm_counterfactual", H_PARSE, &data_o, &nodes_o,
                          &values_o, &out_o))
        return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *data = acquire(&c, data_o, "data", F64, 2);
    const Py_buffer *nodes = acquire(&c, nodes_o, "do_nodes", I64, 1);
    const Py_buffer *values = acquire(&c, values_o, "do_values", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 2);
    ENGINE(&c, cf_scm_counterfactual(h->ptr, data->buf, ROWS(data), COLS(data), nodes->buf,
                                     LEN(nodes), values->buf, ROWS(values), COLS(values),
                                     out->buf, LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_sample(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *nodes_o, *values_o, *seed_o, *out_o;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, H_ARG "OOOO:scm_sample", H_PARSE, &nodes_o, &values_o, &seed_o,
                          &out_o))
        return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *nodes = acquire(&c, nodes_o, "do_nodes", I64, 1);
    const Py_buffer *values = acquire(&c, values_o, "do_values", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 2);
    ENGINE(&c, cf_scm_sample(h->ptr, ROWS(out), nodes->buf, LEN(nodes), values->buf,
                             ROWS(values), COLS(values), seed, out->buf, LEN(out), c.err,
                             ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_phi_inverse_vjp(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *z_o, *cot_o, *out_o;
    if (!PyArg_ParseTuple(args, H_ARG "OOO:scm_phi_inverse_vjp", H_PARSE, &z_o, &cot_o, &out_o))
        return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *z = acquire(&c, z_o, "z", F64, 2);
    const Py_buffer *cot = acquire(&c, cot_o, "cotangent", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 2);
    require_same_shape(&c, z, "z", cot, "cotangent");
    ENGINE(&c, cf_scm_phi_inverse_vjp(h->ptr, z->buf, cot->buf, ROWS(z), COLS(z), out->buf,
                                      LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_metric(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *a_o, *b_o, *out_o;
    if (!PyArg_ParseTuple(args, H_ARG "OOO:scm_metric", H_PARSE, &a_o, &b_o, &out_o))
        return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *a = acquire(&c, a_o, "a", F64, 2);
    const Py_buffer *b = acquire(&c, b_o, "b", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 1);
    require_same_shape(&c, a, "a", b, "b");
    ENGINE(&c, cf_scm_metric(h->ptr, a->buf, b->buf, ROWS(a), COLS(a), out->buf, LEN(out),
                             c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_ball(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *data_o, *seed_o, *out_o;
    double radius;
    long long n_samples;
    int factual_only;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, H_ARG "OdLpOO:scm_ball", H_PARSE, &data_o, &radius, &n_samples,
                          &factual_only, &seed_o, &out_o))
        return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *data = acquire(&c, data_o, "data", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 2);
    ENGINE(&c, cf_scm_ball(h->ptr, data->buf, ROWS(data), COLS(data), radius,
                           (int64_t)n_samples, (int32_t)factual_only, seed, out->buf,
                           LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_export(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *params_o, *latent_o;
    if (!PyArg_ParseTuple(args, H_ARG "OO:scm_export", H_PARSE, &params_o, &latent_o))
        return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *params = acquire(&c, params_o, "params_out", F64 | WRITE, 1);
    const Py_buffer *latent = acquire(&c, latent_o, "latent_out", F64 | WRITE, 2);
    ENGINE(&c, cf_scm_export(h->ptr, params->buf, LEN(params), latent->buf, ROWS(latent),
                             COLS(latent), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_import(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *params_o, *latent_o;
    if (!PyArg_ParseTuple(args, H_ARG "OO:scm_import", H_PARSE, &params_o, &latent_o))
        return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *params = acquire(&c, params_o, "params", F64, 1);
    const Py_buffer *latent = acquire(&c, latent_o, "latent", F64, 2);
    ENGINE(&c, cf_scm_import(h->ptr, params->buf, LEN(params), latent->buf, ROWS(latent),
                             COLS(latent), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

/* ------------------------------------------------------------------ models ------ */

static PyObject *py_model_new(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *widths_o, *seed_o;
    int activation;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, "OiO:model_new", &widths_o, &activation, &seed_o)) return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    Call c;
    call_begin(&c, NULL, 0);
    const Py_buffer *widths = acquire(&c, widths_o, "widths", I64, 1);
    void *ptr = NULL;
    ENGINE(&c, cf_model_new(widths->buf, LEN(widths), (int32_t)activation, seed, &ptr, c.err,
                            ERR_LEN));
    if (call_end(&c) != 0) return NULL;
    if (ptr == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "engine returned no model");
        return NULL;
    }
    return new_handle(ptr, CF_HANDLE_MODEL);
}

static PyObject *py_model_free(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    if (!PyArg_ParseTuple(args, H_ARG ":model_free", H_PARSE)) return NULL;
    if (h->ptr == NULL) Py_RETURN_NONE;  /* idempotent */
    if (h->kind != CF_HANDLE_MODEL) return PyErr_Format(PyExc_TypeError, "expected a model handle");
    if (h->busy) return PyErr_Format(PyExc_RuntimeError, "handle is in use by another thread");
    void *ptr = h->ptr;
    h->ptr = NULL;
    cf_model_free(ptr);
    Py_RETURN_NONE;
}

static PyObject *py_model_info(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    if (!PyArg_ParseTuple(args, H_ARG ":model_info", H_PARSE)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_MODEL)) return NULL;
    int64_t info[4] = {0};
    ENGINE(&c, cf_model_info(h->ptr, info, 4, c.err, ERR_LEN));
    if (call_end(&c) != 0) return NULL;
    return Py_BuildValue("(LLLL)", (long long)info[0], (long long)info[1], (long long)info[2],
                         (long long)info[3]);
}

static PyObject *py_model_widths(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *out_o;
    if (!PyArg_ParseTuple(args, H_ARG "O:model_widths", H_PARSE, &out_o)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_MODEL)) return NULL;
    const Py_buffer *out = acquire(&c, out_o, "out", I64 | WRITE, 1);
    ENGINE(&c, cf_model_widths(h->ptr, out->buf, LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_model_input_limit(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    if (!PyArg_ParseTuple(args, H_ARG ":model_input_limit", H_PARSE)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_MODEL)) return NULL;
    double limit = 0;
    ENGINE(&c, cf_model_input_limit(h->ptr, &limit, 1, c.err, ERR_LEN));
    if (call_end(&c) != 0) return NULL;
    return PyFloat_FromDouble(limit);
}

static PyObject *py_model_get_parameters(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *out_o;
    if (!PyArg_ParseTuple(args, H_ARG "O:model_get_parameters", H_PARSE, &out_o)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_MODEL)) return NULL;
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 1);
    ENGINE(&c, cf_model_get_parameters(h->ptr, out->buf, LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_model_set_parameters(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *params_o;
    if (!PyArg_ParseTuple(args, H_ARG "O:model_set_parameters", H_PARSE, &params_o)) return NULL;
    Call c;
    if (!call_begin_writing(&c, h, CF_HANDLE_MODEL)) return NULL;
    const Py_buffer *params = acquire(&c, params_o, "parameters", F64, 1);
    ENGINE(&c, cf_model_set_parameters(h->ptr, params->buf, LEN(params), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

/* (h, x, out) model evaluations; out has `out_ndim` dimensions. */
static PyObject *model_eval(PyObject *args, const char *fmt, map_fn fn, int out_ndim) {
    HandleObject *h;
    PyObject *x_o, *out_o;
    if (!PyArg_ParseTuple(args, fmt, H_PARSE, &x_o, &out_o)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_MODEL)) return NULL;
    const Py_buffer *x = acquire(&c, x_o, "x", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, out_ndim);
    ENGINE(&c, fn(h->ptr, x->buf, ROWS(x), COLS(x), out->buf, LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_model_logits(PyObject *self, PyObject *args) {
    (void)self;
    return model_eval(args, H_ARG "OO:model_logits", cf_model_logits, 1);
}

static PyObject *py_model_input_gradient(PyObject *self, PyObject *args) {
    (void)self;
    return model_eval(args, H_ARG "OO:model_input_gradient", cf_model_input_gradient, 2);
}

/* Training progress: re-enters Python at an epoch's end, or when 0.1 s have passed
   since the last time, to check for Ctrl-C and call the user's callable. */
typedef struct {
    PyObject *callable;  /* or Py_None */
    double last;
} Progress;

static double monotonic_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int32_t progress_trampoline(void *context, int64_t epoch, int64_t epochs, int64_t batch,
                                   int64_t batches, double loss, double validation_loss) {
    Progress *p = context;
    double now = monotonic_seconds();
    if (batch != batches - 1 && now - p->last < 0.1) return 0;
    p->last = now;
    int32_t stop = 0;
    PyGILState_STATE gil = PyGILState_Ensure();
    if (PyErr_CheckSignals() != 0) {
        stop = 1;
    } else if (p->callable != Py_None) {
        PyObject *r = PyObject_CallFunction(p->callable, "LLLLdd", (long long)epoch,
                                            (long long)epochs, (long long)batch,
                                            (long long)batches, loss, validation_loss);
        if (r == NULL) stop = 1;
        Py_XDECREF(r);
    }
    PyGILState_Release(gil);
    return stop;
}

static PyObject *py_model_train(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *scm_o, *x_o, *y_o, *ints_o, *doubles_o, *seed_o, *progress_o, *history_o;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, H_ARG "OOOOOOOO:model_train", H_PARSE, &scm_o, &x_o, &y_o,
                          &ints_o, &doubles_o, &seed_o, &progress_o, &history_o))
        return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    if (progress_o != Py_None && !PyCallable_Check(progress_o))
        return PyErr_Format(PyExc_TypeError, "progress must be callable or None");
    Call c;
    if (!call_begin_writing(&c, h, CF_HANDLE_MODEL)) return NULL;
    call_also(&c, scm_o, CF_HANDLE_SCM, "scm");
    const Py_buffer *x = acquire(&c, x_o, "x", F64, 2);
    const Py_buffer *y = acquire(&c, y_o, "y", F64, 1);
    const Py_buffer *ints = acquire(&c, ints_o, "config_ints", I64, 1);
    const Py_buffer *doubles = acquire(&c, doubles_o, "config_doubles", F64, 1);
    const Py_buffer *history = acquire(&c, history_o, "history", F64 | WRITE, 2);
    Progress progress = {progress_o, monotonic_seconds()};
    int64_t ran = 0;
    int32_t converged = -1;
    void *scm = c.other != NULL ? c.other->ptr : NULL;
    ENGINE(&c, cf_model_train(h->ptr, scm, x->buf, ROWS(x), COLS(x), y->buf, LEN(y),
                              ints->buf, LEN(ints), doubles->buf, LEN(doubles), seed,
                              progress_trampoline, &progress, history->buf, LEN(history), &ran,
                              &converged, c.err, ERR_LEN));
    if (call_end(&c) != 0) return NULL;
    return Py_BuildValue("(Li)", (long long)ran, (int)converged);
}

static PyObject *py_threshold_mcc(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *p_o, *y_o;
    if (!PyArg_ParseTuple(args, "OO:threshold_mcc", &p_o, &y_o)) return NULL;
    Call c;
    call_begin(&c, NULL, 0);
    const Py_buffer *p = acquire(&c, p_o, "probabilities", F64, 1);
    const Py_buffer *y = acquire(&c, y_o, "labels", F64, 1);
    if (!c.failed && LEN(p) != LEN(y)) {
        PyErr_SetString(PyExc_ValueError, "labels must have the same length as probabilities");
        c.failed = 1;
    }
    double threshold = 0;
    ENGINE(&c, cf_threshold_mcc(p->buf, y->buf, LEN(p), &threshold, 1, c.err, ERR_LEN));
    if (call_end(&c) != 0) return NULL;
    return PyFloat_FromDouble(threshold);
}

static PyObject *py_matrix_multiply(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *a_o, *b_o, *out_o;
    if (!PyArg_ParseTuple(args, "OOO:matrix_multiply", &a_o, &b_o, &out_o)) return NULL;
    Call c;
    call_begin(&c, NULL, 0);
    const Py_buffer *a = acquire(&c, a_o, "a", F64, 2);
    const Py_buffer *b = acquire(&c, b_o, "b", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 2);
    if (!c.failed && (COLS(a) != ROWS(b) || ROWS(out) != ROWS(a) || COLS(out) != COLS(b))) {
        PyErr_Format(PyExc_ValueError, "shapes (%lld, %lld) @ (%lld, %lld) -> out (%lld, %lld) do not match",
                     (long long)ROWS(a), (long long)COLS(a), (long long)ROWS(b), (long long)COLS(b),
                     (long long)ROWS(out), (long long)COLS(out));
        c.failed = 1;
    }
    ENGINE(&c, cf_matrix_multiply(a->buf, ROWS(a), COLS(a), b->buf, COLS(b), out->buf, LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

/* ------------------------------------------------------------------ audits ------ */

static PyObject *py_audit(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *scm_o, *x_o, *seed_o, *progress_o, *flags_o, *levels_o, *witnesses_o;
    double threshold, radius, step_size;
    int factual_only, method;
    long long n_samples, steps, restarts, first_row;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, H_ARG "OOddpiLLLdOLOOOO:audit", H_PARSE, &scm_o, &x_o, &threshold,
                          &radius, &factual_only, &method, &n_samples, &steps, &restarts,
                          &step_size, &seed_o, &first_row, &progress_o, &flags_o, &levels_o, &witnesses_o))
        return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    if (progress_o != Py_None && !PyCallable_Check(progress_o))
        return PyErr_Format(PyExc_TypeError, "progress must be callable or None");
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_MODEL)) return NULL;
    call_also(&c, scm_o, CF_HANDLE_SCM, "scm");
    const Py_buffer *x = acquire(&c, x_o, "x", F64, 2);
    const Py_buffer *flags = acquire(&c, flags_o, "flags", I64 | WRITE, 1);
    const Py_buffer *levels = acquire(&c, levels_o, "levels", I64 | WRITE, 1);
    const Py_buffer *witnesses = acquire(&c, witnesses_o, "witnesses", F64 | WRITE, 2);
    if (!c.failed && (LEN(flags) != ROWS(x) || LEN(levels) != ROWS(x))) {
        PyErr_SetString(PyExc_ValueError, "flags and levels must have one element per row of x");
        c.failed = 1;
    }
    Progress progress = {progress_o, monotonic_seconds()};
    void *scm = c.other != NULL ? c.other->ptr : NULL;
    ENGINE(&c, cf_audit(h->ptr, scm, x->buf, ROWS(x), COLS(x), threshold, radius,
                        (int32_t)factual_only, (int32_t)method, (int64_t)n_samples,
                        (int64_t)steps, (int64_t)restarts, step_size, seed, (int64_t)first_row,
                        progress_trampoline,
                        &progress, flags->buf, levels->buf, witnesses->buf, LEN(witnesses),
                        c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyMethodDef engine_methods[] = {
    {"version", py_version, METH_NOARGS, "version() -> str: the engine version."},
    {"scm_new", py_scm_new, METH_VARARGS,
     "scm_new(spec_ints: int64[:], spec_doubles: float64[:]) -> Handle"},
    {"scm_free", py_scm_free, METH_VARARGS, "scm_free(h) -> None (idempotent)"},
    {"scm_info", py_scm_info, METH_VARARGS,
     "scm_info(h) -> (columns, nodes, twin_levels, sensitive_nodes, perturbable_columns, "
     "parameter_count, latent_rows, is_fitted)"},
    {"scm_fit", py_scm_fit, METH_VARARGS, "scm_fit(h, data, seed) -> None"},
    {"scm_abduct", py_scm_abduct, METH_VARARGS, "scm_abduct(h, data, out) -> None"},
    {"scm_counterfactual", py_scm_counterfactual, METH_VARARGS,
     "scm_counterfactual(h, data, do_nodes, do_values, out) -> None"},
    {"scm_sample", py_scm_sample, METH_VARARGS,
     "scm_sample(h, do_nodes, do_values, seed, out) -> None (n_out = out.shape[0])"},
    {"scm_twin_levels", py_scm_twin_levels, METH_VARARGS,
     "scm_twin_levels(h, out: int64[:, :]) -> None"},
    {"scm_twins", py_scm_twins, METH_VARARGS, "scm_twins(h, data, out) -> None"},
    {"scm_factual_levels", py_scm_factual_levels, METH_VARARGS,
     "scm_factual_levels(h, data, out: int64[:]) -> None"},
    {"scm_phi", py_scm_phi, METH_VARARGS, "scm_phi(h, data, out) -> None"},
    {"scm_phi_inverse", py_scm_phi_inverse, METH_VARARGS, "scm_phi_inverse(h, z, out) -> None"},
    {"scm_phi_inverse_vjp", py_scm_phi_inverse_vjp, METH_VARARGS,
     "scm_phi_inverse_vjp(h, z, cotangent, out) -> None"},
    {"scm_metric", py_scm_metric, METH_VARARGS, "scm_metric(h, a, b, out: float64[:]) -> None"},
    {"scm_perturbable", py_scm_perturbable, METH_VARARGS,
     "scm_perturbable(h, out: int64[:]) -> None"},
    {"scm_ball", py_scm_ball, METH_VARARGS,
     "scm_ball(h, data, radius, n_samples, factual_only, seed, out) -> None"},
    {"scm_export", py_scm_export, METH_VARARGS, "scm_export(h, params_out, latent_out) -> None"},
    {"scm_import", py_scm_import, METH_VARARGS, "scm_import(h, params, latent) -> None"},
    {"model_new", py_model_new, METH_VARARGS,
     "model_new(widths: int64[:], activation: int, seed) -> Handle"},
    {"model_free", py_model_free, METH_VARARGS, "model_free(h) -> None (idempotent)"},
    {"model_info", py_model_info, METH_VARARGS,
     "model_info(h) -> (inputs, parameter_count, n_widths, activation)"},
    {"model_widths", py_model_widths, METH_VARARGS, "model_widths(h, out: int64[:]) -> None"},
    {"model_input_limit", py_model_input_limit, METH_VARARGS,
     "model_input_limit(h) -> float: the largest max|x| the model evaluates without overflow"},
    {"model_get_parameters", py_model_get_parameters, METH_VARARGS,
     "model_get_parameters(h, out: float64[:]) -> None"},
    {"model_set_parameters", py_model_set_parameters, METH_VARARGS,
     "model_set_parameters(h, parameters: float64[:]) -> None"},
    {"model_logits", py_model_logits, METH_VARARGS, "model_logits(h, x, out: float64[:]) -> None"},
    {"model_input_gradient", py_model_input_gradient, METH_VARARGS,
     "model_input_gradient(h, x, out) -> None"},
    {"model_train", py_model_train, METH_VARARGS,
     "model_train(h, scm_or_None, x, y, config_ints, config_doubles, seed, progress_or_None, "
     "history) -> (epochs run, converged: 1 / 0 for newton, -1 otherwise). Raises KeyboardInterrupt (or what progress raised) when "
     "stopped; the model is then unchanged."},
    {"audit", py_audit, METH_VARARGS,
     "audit(model, scm_or_None, x, logit_threshold, radius, factual_only, method, n_samples, "
     "steps, restarts, step_size, seed, first_row, progress_or_None, flags_out, levels_out, "
     "witnesses_out) -> None"},
    {"matrix_multiply", py_matrix_multiply, METH_VARARGS,
     "matrix_multiply(a, b, out) -> None: out = a @ b with the engine's BLAS (float64, C order)"},
    {"threshold_mcc", py_threshold_mcc, METH_VARARGS,
     "threshold_mcc(probabilities, labels) -> float"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef engine_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "causalfair._engine",
    .m_doc = "Low-level bindings to the causalfair Swift engine (C ABI in causalfair.h). "
             "Arrays are taken zero-copy through the buffer protocol and must already have "
             "the right dtype, layout and shape; use the causalfair package instead.",
    .m_size = -1,
    .m_methods = engine_methods,
};

PyMODINIT_FUNC PyInit__engine(void) {
    if (PyType_Ready(&HandleType) < 0) return NULL;
    PyObject *m = PyModule_Create(&engine_module);
    if (m == NULL) return NULL;
    Py_INCREF(&HandleType);
    if (PyModule_AddObject(m, "Handle", (PyObject *)&HandleType) < 0) {
        Py_DECREF(&HandleType);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "HANDLE_SCM", CF_HANDLE_SCM) < 0 ||
        PyModule_AddIntConstant(m, "HANDLE_MODEL", CF_HANDLE_MODEL) < 0 ||
        PyModule_AddIntConstant(m, "ERR_LEN", ERR_LEN) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
