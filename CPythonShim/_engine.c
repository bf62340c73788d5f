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
#include <stddef.h>
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

/* --------------------------------------------------------------- contract ------ */

/* The ABI's codes and settings structs, by name. Each table below is compiled against
   causalfair.h (the values are its constants, the offsets its struct layouts), so the
   names Python uses and the layout the engine reads have one source: the header. The
   module exports the tables (CODES, FIELDS) and fill_struct converts a Python dict to
   a struct, refusing a missing or unknown key: a setting added to a struct without
   its row here, or to Python without its field in the header, fails loudly. */

typedef struct {
    const char *name;
    int32_t code;
} CodeName;

#define END_CODES {NULL, 0}

static const CodeName OBJECTIVE_CODES[] = {
    {"erm", CF_OBJECTIVE_ERM}, {"al", CF_OBJECTIVE_AL}, {"cal", CF_OBJECTIVE_CAL},
    {"llr", CF_OBJECTIVE_LLR}, {"capify", CF_OBJECTIVE_CAPIFY},
    {"causal_at", CF_OBJECTIVE_CAUSAL_AT}, {"trades", CF_OBJECTIVE_TRADES},
    {"ross", CF_OBJECTIVE_ROSS}, {"sensei", CF_OBJECTIVE_SENSEI}, END_CODES};
static const CodeName OPTIMIZER_CODES[] = {
    {"adam", CF_OPTIMIZER_ADAM}, {"sgd", CF_OPTIMIZER_SGD}, {"newton", CF_OPTIMIZER_NEWTON},
    END_CODES};
static const CodeName ACTIVATION_CODES[] = {
    {"tanh", CF_ACTIVATION_TANH}, {"relu", CF_ACTIVATION_RELU}, END_CODES};
static const CodeName AUDIT_CODES[] = {
    {"sample", CF_AUDIT_SAMPLE}, {"attack", CF_AUDIT_ATTACK}, {"exact", CF_AUDIT_EXACT},
    END_CODES};
static const CodeName NODE_CODES[] = {
    {"continuous", CF_NODE_CONTINUOUS}, {"binary", CF_NODE_BINARY},
    {"categorical", CF_NODE_CATEGORICAL}, END_CODES};
static const CodeName MECHANISM_CODES[] = {
    {"root", CF_MECHANISM_ROOT}, {"linear", CF_MECHANISM_LINEAR}, {"mlp", CF_MECHANISM_MLP},
    {"expression", CF_MECHANISM_EXPRESSION}, END_CODES};
static const CodeName NOISE_CODES[] = {
    {"empirical", CF_NOISE_EMPIRICAL}, {"normal", CF_NOISE_NORMAL}, {"gamma", CF_NOISE_GAMMA},
    {"bernoulli", CF_NOISE_BERNOULLI}, END_CODES};
static const CodeName DISCRETE_CODES[] = {
    {"anm", CF_DISCRETE_ANM}, {"gumbel", CF_DISCRETE_GUMBEL}, END_CODES};
static const CodeName OP_CODES[] = {
    {"input", CF_OP_INPUT}, {"constant", CF_OP_CONSTANT}, {"add", CF_OP_ADD},
    {"subtract", CF_OP_SUBTRACT}, {"multiply", CF_OP_MULTIPLY}, {"divide", CF_OP_DIVIDE},
    {"negate", CF_OP_NEGATE}, {"square", CF_OP_SQUARE}, {"relu", CF_OP_RELU},
    {"sigmoid", CF_OP_SIGMOID}, {"tanh", CF_OP_TANH}, {"exp", CF_OP_EXP}, {"log", CF_OP_LOG},
    {"power", CF_OP_POWER}, END_CODES};
static const CodeName OUTER_CODES[] = {
    {"identity", CF_OUTER_IDENTITY}, {"sigmoid", CF_OUTER_SIGMOID}, {"tanh", CF_OUTER_TANH},
    {"exp", CF_OUTER_EXP}, END_CODES};
static const CodeName HANDLE_CODES[] = {
    {"none", CF_HANDLE_NONE}, {"scm", CF_HANDLE_SCM}, {"model", CF_HANDLE_MODEL}, END_CODES};
static const CodeName STATUS_CODES[] = {
    {"ok", CF_OK}, {"value_error", CF_VALUE_ERROR}, {"type_error", CF_TYPE_ERROR},
    {"memory_error", CF_MEMORY_ERROR}, {"runtime_error", CF_RUNTIME_ERROR},
    {"key_error", CF_KEY_ERROR}, {"interrupted", CF_INTERRUPTED}, END_CODES};

/* Each code table with the *_COUNT of its enum: module init checks that the table
   names every code below the count (a code added to the header without its name here
   fails at import). */
static const struct {
    const char *name;
    const CodeName *codes;
    int32_t count;
} CODE_TABLES[] = {
    {"objective", OBJECTIVE_CODES, CF_OBJECTIVE_COUNT},
    {"optimizer", OPTIMIZER_CODES, CF_OPTIMIZER_COUNT},
    {"activation", ACTIVATION_CODES, CF_ACTIVATION_COUNT},
    {"audit_method", AUDIT_CODES, CF_AUDIT_COUNT},
    {"node_kind", NODE_CODES, CF_NODE_COUNT},
    {"mechanism", MECHANISM_CODES, CF_MECHANISM_COUNT},
    {"noise", NOISE_CODES, CF_NOISE_COUNT},
    {"discrete", DISCRETE_CODES, CF_DISCRETE_COUNT},
    {"op", OP_CODES, CF_OP_COUNT},
    {"outer", OUTER_CODES, CF_OUTER_COUNT},
    {"handle", HANDLE_CODES, CF_HANDLE_COUNT},
    {"status", STATUS_CODES, CF_STATUS_COUNT},
};
#define N_CODE_TABLES (sizeof CODE_TABLES / sizeof CODE_TABLES[0])

typedef enum {
    FIELD_CODE,     /* int32_t; Python gives the code's name (a str of `codes`) */
    FIELD_FLAG,     /* int32_t 0/1; Python gives a bool */
    FIELD_I64,      /* int64_t; Python gives an int */
    FIELD_F64,      /* double; Python gives a real number */
    FIELD_I64_LIST, /* const int64_t * at `offset`, its count (int64_t) at `count_offset` */
    FIELD_OP_LIST,  /* const cf_expression_op * and its count, from a list of dicts */
    FIELD_I32,      /* int32_t; Python gives an int */
} FieldType;

typedef struct {
    const char *name;
    FieldType type;
    size_t offset;
    const CodeName *codes;  /* FIELD_CODE */
    size_t count_offset;    /* FIELD_*_LIST */
} Field;

#define ROW_CODE(s, f, codes) {#f, FIELD_CODE, offsetof(s, f), codes, 0}
#define ROW_FLAG(s, f) {#f, FIELD_FLAG, offsetof(s, f), NULL, 0}
#define ROW_I64(s, f) {#f, FIELD_I64, offsetof(s, f), NULL, 0}
#define ROW_I32(s, f) {#f, FIELD_I32, offsetof(s, f), NULL, 0}
#define ROW_F64(s, f) {#f, FIELD_F64, offsetof(s, f), NULL, 0}
#define ROW_LIST(s, f, type, n) {#f, type, offsetof(s, f), NULL, offsetof(s, n)}
#define END_FIELDS {NULL, FIELD_I64, 0, NULL, 0}

static const Field TRAINING_FIELDS[] = {
    ROW_CODE(cf_training_config, objective, OBJECTIVE_CODES),
    ROW_CODE(cf_training_config, optimizer, OPTIMIZER_CODES),
    ROW_I64(cf_training_config, epochs), ROW_I64(cf_training_config, batch_size),
    ROW_I64(cf_training_config, patience), ROW_I64(cf_training_config, steps),
    ROW_I64(cf_training_config, n_samples), ROW_FLAG(cf_training_config, exact_when_linear),
    ROW_F64(cf_training_config, learning_rate), ROW_F64(cf_training_config, weight_decay),
    ROW_F64(cf_training_config, validation_fraction), ROW_F64(cf_training_config, radius),
    ROW_F64(cf_training_config, epsilon), ROW_F64(cf_training_config, step_size),
    ROW_F64(cf_training_config, inner_learning_rate), ROW_F64(cf_training_config, lambda),
    ROW_F64(cf_training_config, mu), ROW_F64(cf_training_config, nu),
    ROW_F64(cf_training_config, twin_penalty), ROW_F64(cf_training_config, tol),
    ROW_FLAG(cf_training_config, dp), ROW_F64(cf_training_config, noise_multiplier),
    ROW_F64(cf_training_config, max_grad_norm), ROW_F64(cf_training_config, beta),
    ROW_I64(cf_training_config, n_threads), ROW_LIST(cf_training_config, actionable, FIELD_I64_LIST, n_actionable),
    END_FIELDS};

static const Field AUDIT_FIELDS[] = {
    ROW_CODE(cf_audit_options, method, AUDIT_CODES), ROW_FLAG(cf_audit_options, factual_only),
    ROW_F64(cf_audit_options, logit_threshold), ROW_F64(cf_audit_options, radius),
    ROW_I64(cf_audit_options, n_samples), ROW_I64(cf_audit_options, steps),
    ROW_I64(cf_audit_options, restarts), ROW_F64(cf_audit_options, step_size),
    ROW_I64(cf_audit_options, first_row), ROW_I64(cf_audit_options, n_draws),
    ROW_I64(cf_audit_options, posterior_seed), ROW_I64(cf_audit_options, n_threads), END_FIELDS};

static const Field OP_FIELDS[] = {
    ROW_CODE(cf_expression_op, op, OP_CODES), ROW_I32(cf_expression_op, argument),
    ROW_F64(cf_expression_op, constant), END_FIELDS};

static const Field NODE_FIELDS[] = {
    ROW_CODE(cf_node_spec, kind, NODE_CODES), ROW_I64(cf_node_spec, width),
    ROW_LIST(cf_node_spec, parents, FIELD_I64_LIST, n_parents), ROW_FLAG(cf_node_spec, sensitive),
    ROW_FLAG(cf_node_spec, immutable), ROW_CODE(cf_node_spec, mechanism, MECHANISM_CODES),
    ROW_F64(cf_node_spec, ridge), ROW_LIST(cf_node_spec, hidden, FIELD_I64_LIST, n_hidden),
    ROW_I64(cf_node_spec, epochs), ROW_I64(cf_node_spec, batch_size), ROW_F64(cf_node_spec, learning_rate),
    ROW_LIST(cf_node_spec, program, FIELD_OP_LIST, n_program), ROW_CODE(cf_node_spec, outer, OUTER_CODES),
    ROW_F64(cf_node_spec, offset), ROW_F64(cf_node_spec, scale), ROW_CODE(cf_node_spec, noise, NOISE_CODES),
    ROW_F64(cf_node_spec, noise_loc), ROW_F64(cf_node_spec, noise_scale), ROW_F64(cf_node_spec, noise_shape),
    ROW_F64(cf_node_spec, noise_p), ROW_CODE(cf_node_spec, discrete, DISCRETE_CODES), END_FIELDS};

static const Field LIMIT_FIELDS[] = {
    ROW_I64(cf_limits, max_elements), ROW_F64(cf_limits, max_radius), ROW_I64(cf_limits, max_epochs),
    ROW_I64(cf_limits, max_training_steps), ROW_I64(cf_limits, max_training_samples),
    ROW_I64(cf_limits, max_audit_samples), ROW_I64(cf_limits, max_audit_steps),
    ROW_I64(cf_limits, max_audit_restarts), ROW_I64(cf_limits, max_newton_features),
    ROW_I64(cf_limits, max_layer_width), ROW_I64(cf_limits, max_nodes), ROW_I64(cf_limits, max_node_width),
    ROW_I64(cf_limits, max_mechanism_hidden_layers), ROW_I64(cf_limits, max_mechanism_hidden_width),
    ROW_I64(cf_limits, max_mechanism_epochs), ROW_I64(cf_limits, max_program_length),
    ROW_I64(cf_limits, max_power), ROW_I64(cf_limits, max_draws),
    ROW_I64(cf_limits, max_threads), ROW_I64(cf_limits, audit_sample_block), END_FIELDS};

static const struct {
    const char *name;
    const Field *fields;
} STRUCT_TABLES[] = {
    {"training_config", TRAINING_FIELDS}, {"audit_options", AUDIT_FIELDS},
    {"node_spec", NODE_FIELDS}, {"expression_op", OP_FIELDS}, {"limits", LIMIT_FIELDS},
};
#define N_STRUCT_TABLES (sizeof STRUCT_TABLES / sizeof STRUCT_TABLES[0])

/* Memory the conversion of one call allocates (node lists, programs); freed at once. */
typedef struct {
    void **blocks;
    size_t n, capacity;
} Arena;

static void *arena_alloc(Arena *a, size_t bytes) {
    if (a->n == a->capacity) {
        size_t capacity = a->capacity ? 2 * a->capacity : 16;
        void **blocks = PyMem_Realloc(a->blocks, capacity * sizeof(void *));
        if (blocks == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        a->blocks = blocks;
        a->capacity = capacity;
    }
    void *p = PyMem_Calloc(bytes ? bytes : 1, 1);
    if (p == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    a->blocks[a->n++] = p;
    return p;
}

static void arena_free(Arena *a) {
    for (size_t i = 0; i < a->n; i++) PyMem_Free(a->blocks[i]);
    PyMem_Free(a->blocks);
    a->blocks = NULL;
    a->n = a->capacity = 0;
}

static int fill_struct(PyObject *dict, const Field *fields, void *out, const char *what,
                       Arena *arena);

/* The code named by `value` (a str of `codes`), or 0 with ValueError naming `what`
   and `field`. */
static int code_of(PyObject *value, const CodeName *codes, const char *what, const char *field,
                   int32_t *out) {
    const CodeName *c = codes;
    if (PyUnicode_Check(value)) {
        const char *s = PyUnicode_AsUTF8(value);
        if (s == NULL) return 0;
        for (; c->name != NULL && strcmp(c->name, s) != 0; c++) {}
    }
    if (!PyUnicode_Check(value) || c->name == NULL) {
        PyErr_Format(PyExc_ValueError, "%s%s%s: unknown name %R", what, *field ? ": " : "", field, value);
        return 0;
    }
    *out = c->code;
    return 1;
}

/* A list of `size`-byte structs (or int64s when fields == NULL) from a Python sequence. */
static void *fill_list(PyObject *seq_o, const Field *fields, size_t size, int64_t *count,
                       const char *what, Arena *arena) {
    PyObject *seq = PySequence_Fast(seq_o, "");
    if (seq == NULL) {
        PyErr_Format(PyExc_TypeError, "%s: expected a sequence, got %.100s", what,
                     Py_TYPE(seq_o)->tp_name);
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    char *items = arena_alloc(arena, (size_t)n * size);
    for (Py_ssize_t i = 0; items != NULL && i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (fields != NULL) {
            char name[96];
            snprintf(name, sizeof name, "%s[%zd]", what, i);
            if (!fill_struct(item, fields, items + (size_t)i * size, name, arena)) items = NULL;
        } else {
            long long v = PyLong_AsLongLong(item);
            if (v == -1 && PyErr_Occurred()) {
                PyErr_Format(PyExc_TypeError, "%s[%zd]: expected an int in the int64 range", what, i);
                items = NULL;
            } else {
                ((int64_t *)(void *)items)[i] = (int64_t)v;
            }
        }
    }
    Py_DECREF(seq);
    *count = (int64_t)n;
    return items;
}

/* The struct `out` from `dict`, which must hold exactly the table's keys. Returns 0
   with TypeError/ValueError set (naming `what` and the key) on a missing, unknown or
   ill-typed entry. */
static int fill_struct(PyObject *dict, const Field *fields, void *out, const char *what,
                       Arena *arena) {
    if (!PyDict_Check(dict)) {
        PyErr_Format(PyExc_TypeError, "%s: expected a dict, got %.100s", what,
                     Py_TYPE(dict)->tp_name);
        return 0;
    }
    Py_ssize_t known = 0;
    for (const Field *f = fields; f->name != NULL; f++) {
        PyObject *value = PyDict_GetItemString(dict, f->name);  /* borrowed */
        if (value == NULL) {
            PyErr_Format(PyExc_TypeError, "%s: missing field '%s'", what, f->name);
            return 0;
        }
        known++;
        char *at = (char *)out + f->offset;
        switch (f->type) {
        case FIELD_CODE:
            if (!code_of(value, f->codes, what, f->name, (int32_t *)(void *)at)) return 0;
            break;
        case FIELD_FLAG: {
            if (!PyBool_Check(value)) {
                PyErr_Format(PyExc_TypeError, "%s: %s: expected a bool, got %.100s", what, f->name,
                             Py_TYPE(value)->tp_name);
                return 0;
            }
            *(int32_t *)(void *)at = value == Py_True;
            break;
        }
        case FIELD_I64:
        case FIELD_I32: {  /* an int, or anything with __index__ (numpy integers) */
            int overflow = 0;
            PyObject *index = PyNumber_Index(value);
            long long v = index != NULL ? PyLong_AsLongLongAndOverflow(index, &overflow) : -1;
            Py_XDECREF(index);
            if (index == NULL || overflow != 0 || (v == -1 && PyErr_Occurred()) ||
                (f->type == FIELD_I32 && (v < INT32_MIN || v > INT32_MAX))) {
                PyErr_Clear();
                PyErr_Format(PyExc_TypeError, "%s: %s: expected an int in the %s range, got %R", what,
                             f->name, f->type == FIELD_I32 ? "int32" : "int64", value);
                return 0;
            }
            if (f->type == FIELD_I32) *(int32_t *)(void *)at = (int32_t)v;
            else *(int64_t *)(void *)at = (int64_t)v;
            break;
        }
        case FIELD_F64: {
            double v = PyFloat_AsDouble(value);
            if (v == -1.0 && PyErr_Occurred()) {
                PyErr_Clear();
                PyErr_Format(PyExc_TypeError, "%s: %s: expected a real number, got %.100s", what,
                             f->name, Py_TYPE(value)->tp_name);
                return 0;
            }
            *(double *)(void *)at = v;
            break;
        }
        case FIELD_I64_LIST:
        case FIELD_OP_LIST: {
            char name[128];
            snprintf(name, sizeof name, "%s: %s", what, f->name);
            int64_t count = 0;
            void *items = f->type == FIELD_OP_LIST
                              ? fill_list(value, OP_FIELDS, sizeof(cf_expression_op), &count, name, arena)
                              : fill_list(value, NULL, sizeof(int64_t), &count, name, arena);
            if (items == NULL) return 0;
            *(void **)(void *)at = items;
            *(int64_t *)(void *)((char *)out + f->count_offset) = count;
            break;
        }
        }
    }
    if (PyDict_GET_SIZE(dict) != known) {  /* some key is not a field */
        PyObject *key;
        Py_ssize_t pos = 0;
        while (PyDict_Next(dict, &pos, &key, NULL)) {
            const Field *f = fields;
            const char *s = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
            if (s == NULL) PyErr_Clear();
            for (; f->name != NULL && (s == NULL || strcmp(f->name, s) != 0); f++) {}
            if (f->name == NULL) {
                PyErr_Format(PyExc_TypeError, "%s: unknown field %R", what, key);
                return 0;
            }
        }
    }
    return 1;
}

/* The struct as a dict (scalar fields only: used for cf_limits). */
static PyObject *struct_to_dict(const Field *fields, const void *in) {
    PyObject *d = PyDict_New();
    for (const Field *f = fields; d != NULL && f->name != NULL; f++) {
        const char *at = (const char *)in + f->offset;
        PyObject *v = f->type == FIELD_F64 ? PyFloat_FromDouble(*(const double *)(const void *)at)
                                           : PyLong_FromLongLong(*(const int64_t *)(const void *)at);
        if (v == NULL || PyDict_SetItemString(d, f->name, v) < 0) Py_CLEAR(d);
        Py_XDECREF(v);
    }
    return d;
}

/* CODES: {table: {name: code}}, FIELDS: {struct: (field names...)}; checks that
   every code below each *_COUNT is named (the test suite checks FIELDS against the
   header's struct declarations). */
static int add_contract(PyObject *m) {
    PyObject *codes = PyDict_New(), *fields = PyDict_New();
    int ok = codes != NULL && fields != NULL;
    for (size_t t = 0; ok && t < N_CODE_TABLES; t++) {
        PyObject *table = PyDict_New();
        int32_t named = 0;
        for (const CodeName *c = CODE_TABLES[t].codes; table != NULL && c->name != NULL; c++, named++) {
            PyObject *v = PyLong_FromLong(c->code);
            if (v == NULL || PyDict_SetItemString(table, c->name, v) < 0) Py_CLEAR(table);
            Py_XDECREF(v);
        }
        if (table != NULL && named != CODE_TABLES[t].count) {
            PyErr_Format(PyExc_ImportError, "_engine: the '%s' table names %d codes, causalfair.h has %d",
                         CODE_TABLES[t].name, (int)named, (int)CODE_TABLES[t].count);
            Py_CLEAR(table);
        }
        ok = table != NULL && PyDict_SetItemString(codes, CODE_TABLES[t].name, table) == 0;
        Py_XDECREF(table);
    }
    for (size_t t = 0; ok && t < N_STRUCT_TABLES; t++) {
        Py_ssize_t n = 0;
        for (const Field *f = STRUCT_TABLES[t].fields; f->name != NULL; f++) n++;
        PyObject *names = PyTuple_New(n);
        Py_ssize_t i = 0;
        for (const Field *f = STRUCT_TABLES[t].fields; names != NULL && f->name != NULL; f++, i++)
            PyTuple_SET_ITEM(names, i, PyUnicode_FromString(f->name));
        ok = names != NULL && PyDict_SetItemString(fields, STRUCT_TABLES[t].name, names) == 0;
        Py_XDECREF(names);
    }
    if (ok) ok = PyModule_AddObjectRef(m, "CODES", codes) == 0 &&
                 PyModule_AddObjectRef(m, "FIELDS", fields) == 0;
    Py_XDECREF(codes);
    Py_XDECREF(fields);
    return ok ? 0 : -1;
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

static PyObject *py_limits(PyObject *self, PyObject *noargs) {
    (void)self;
    (void)noargs;
    cf_limits limits;
    char err[ERR_LEN] = "";
    if (cf_get_limits(&limits, (int64_t)sizeof limits, err, ERR_LEN) != CF_OK) {
        PyErr_Format(PyExc_RuntimeError, "cf_get_limits: %s", err);
        return NULL;
    }
    return struct_to_dict(LIMIT_FIELDS, &limits);
}

static PyObject *py_graph_order(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *counts_o, *parents_o, *order_o, *cycle_o;
    if (!PyArg_ParseTuple(args, "OOOO:graph_order", &counts_o, &parents_o, &order_o, &cycle_o)) return NULL;
    Call c;
    call_begin(&c, NULL, 0);
    const Py_buffer *counts = acquire(&c, counts_o, "parent_counts", I64, 1);
    const Py_buffer *parents = acquire(&c, parents_o, "parents", I64, 1);
    const Py_buffer *order = acquire(&c, order_o, "order", I64 | WRITE, 1);
    const Py_buffer *cycle = acquire(&c, cycle_o, "cycle", I64 | WRITE, 1);
    int64_t cycle_count = 0;
    ENGINE(&c, cf_graph_order(counts->buf, LEN(counts), parents->buf, LEN(parents), order->buf, LEN(order),
                              cycle->buf, LEN(cycle), &cycle_count, c.err, ERR_LEN));
    if (call_end(&c) != 0) return NULL;
    return PyLong_FromLongLong((long long)cycle_count);
}

static PyObject *py_scm_new(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *nodes_o;
    if (!PyArg_ParseTuple(args, "O:scm_new", &nodes_o)) return NULL;
    Arena arena = {NULL, 0, 0};
    int64_t n_nodes = 0;
    cf_node_spec *nodes = fill_list(nodes_o, NODE_FIELDS, sizeof(cf_node_spec), &n_nodes, "nodes", &arena);
    if (nodes == NULL) {
        arena_free(&arena);
        return NULL;
    }
    Call c;
    call_begin(&c, NULL, 0);
    void *ptr = NULL;
    ENGINE(&c, cf_scm_new(nodes, n_nodes, &ptr, c.err, ERR_LEN));
    arena_free(&arena);
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
    PyObject *data_o, *seed_o, *weights_o = Py_None;
    uint64_t seed;
    int dp = 0;
    double noise_multiplier = 0, max_grad_norm = 0;
    if (!PyArg_ParseTuple(args, H_ARG "OO|Opdd:scm_fit", H_PARSE, &data_o, &seed_o, &weights_o, &dp,
                          &noise_multiplier, &max_grad_norm)) return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    Call c;
    if (!call_begin_writing(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *data = acquire(&c, data_o, "data", F64, 2);
    /* sample_weight: None (every row weighs 1) or a float64 vector */
    const Py_buffer *weights = weights_o == Py_None ? NULL : acquire(&c, weights_o, "sample_weight", F64, 1);
    ENGINE(&c, cf_scm_fit(h->ptr, data->buf, ROWS(data), COLS(data),
                          weights != NULL ? weights->buf : NULL, weights != NULL ? LEN(weights) : 0,
                          seed, (int32_t)dp, noise_multiplier, max_grad_norm, c.err, ERR_LEN));
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

static PyObject *py_scm_abduct_at(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *data_o, *labels_o, *out_o;
    if (!PyArg_ParseTuple(args, H_ARG "OOO:scm_abduct_at", H_PARSE, &data_o, &labels_o, &out_o)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *data = acquire(&c, data_o, "data", F64, 2);
    const Py_buffer *labels = acquire(&c, labels_o, "row_labels", I64, 1);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 2);
    ENGINE(&c, cf_scm_abduct_at(h->ptr, data->buf, ROWS(data), COLS(data), labels->buf, LEN(labels), out->buf,
                                LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_intervention_gradient(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *model_o, *latent_o, *nodes_o, *values_o, *cf_o, *logits_o, *gradient_o;
    long long n_threads;
    if (!PyArg_ParseTuple(args, H_ARG "OOOOLOOO:scm_intervention_gradient", H_PARSE, &model_o, &latent_o,
                          &nodes_o, &values_o, &n_threads, &cf_o, &logits_o, &gradient_o))
        return NULL;
    if (model_o == Py_None) return PyErr_Format(PyExc_TypeError, "model must be a Handle, got None");
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    call_also(&c, model_o, CF_HANDLE_MODEL, "model");
    const Py_buffer *latent = acquire(&c, latent_o, "latent", F64, 2);
    const Py_buffer *nodes = acquire(&c, nodes_o, "do_nodes", I64, 1);
    const Py_buffer *values = acquire(&c, values_o, "do_values", F64, 2);
    const Py_buffer *cf = acquire(&c, cf_o, "counterfactuals", F64 | WRITE, 2);
    const Py_buffer *logits = acquire(&c, logits_o, "logits", F64 | WRITE, 1);
    const Py_buffer *gradient = acquire(&c, gradient_o, "gradient", F64 | WRITE, 2);
    void *model = c.other != NULL ? c.other->ptr : NULL;
    ENGINE(&c, cf_scm_intervention_gradient(h->ptr, model, latent->buf, ROWS(latent), COLS(latent), nodes->buf,
                                            LEN(nodes), values->buf, ROWS(values), COLS(values), (int64_t)n_threads,
                                            cf->buf, LEN(cf),
                                            logits->buf, LEN(logits), gradient->buf, LEN(gradient), c.err,
                                            ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_counterfactual_draws(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *data_o, *nodes_o, *values_o, *seed_o, *out_o;
    long long n_draws;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, H_ARG "OOOLOO:scm_counterfactual_draws", H_PARSE, &data_o,
                          &nodes_o, &values_o, &n_draws, &seed_o, &out_o))
        return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *data = acquire(&c, data_o, "data", F64, 2);
    const Py_buffer *nodes = acquire(&c, nodes_o, "do_nodes", I64, 1);
    const Py_buffer *values = acquire(&c, values_o, "do_values", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 2);
    ENGINE(&c, cf_scm_counterfactual_draws(h->ptr, data->buf, ROWS(data), COLS(data), nodes->buf,
                                           LEN(nodes), values->buf, ROWS(values), COLS(values),
                                           (int64_t)n_draws, seed, out->buf, LEN(out), c.err,
                                           ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_scm_twins_draws(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *data_o, *seed_o, *out_o;
    long long n_draws;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, H_ARG "OLOO:scm_twins_draws", H_PARSE, &data_o, &n_draws, &seed_o,
                          &out_o))
        return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *data = acquire(&c, data_o, "data", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 2);
    ENGINE(&c, cf_scm_twins_draws(h->ptr, data->buf, ROWS(data), COLS(data), (int64_t)n_draws, seed,
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
    PyObject *widths_o, *activation_o, *seed_o;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, "OOO:model_new", &widths_o, &activation_o, &seed_o)) return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    int32_t activation = 0;
    if (!code_of(activation_o, ACTIVATION_CODES, "activation", "", &activation)) return NULL;
    Call c;
    call_begin(&c, NULL, 0);
    const Py_buffer *widths = acquire(&c, widths_o, "widths", I64, 1);
    void *ptr = NULL;
    ENGINE(&c, cf_model_new(widths->buf, LEN(widths), activation, seed, &ptr, c.err,
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
    PyObject *scm_o, *x_o, *y_o, *weights_o, *config_o, *seed_o, *progress_o, *history_o;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, H_ARG "OOOOOOOO:model_train", H_PARSE, &scm_o, &x_o, &y_o,
                          &weights_o, &config_o, &seed_o, &progress_o, &history_o))
        return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    if (progress_o != Py_None && !PyCallable_Check(progress_o))
        return PyErr_Format(PyExc_TypeError, "progress must be callable or None");
    cf_training_config config;
    Arena arena = {NULL, 0, 0};  /* holds the actionable list until the call returns */
    if (!fill_struct(config_o, TRAINING_FIELDS, &config, "config", &arena)) {
        arena_free(&arena);
        return NULL;
    }
    Call c;
    if (!call_begin_writing(&c, h, CF_HANDLE_MODEL)) {
        arena_free(&arena);
        return NULL;
    }
    call_also(&c, scm_o, CF_HANDLE_SCM, "scm");
    const Py_buffer *x = acquire(&c, x_o, "x", F64, 2);
    const Py_buffer *y = acquire(&c, y_o, "y", F64, 1);
    /* sample_weight: None (every row weighs 1) or a float64 vector */
    const Py_buffer *weights = weights_o == Py_None ? NULL : acquire(&c, weights_o, "sample_weight", F64, 1);
    const Py_buffer *history = acquire(&c, history_o, "history", F64 | WRITE, 2);
    Progress progress = {progress_o, monotonic_seconds()};
    int64_t ran = 0;
    int32_t converged = -1;
    void *scm = c.other != NULL ? c.other->ptr : NULL;
    ENGINE(&c, cf_model_train(h->ptr, scm, x->buf, ROWS(x), COLS(x), y->buf, LEN(y),
                              weights != NULL ? weights->buf : NULL, weights != NULL ? LEN(weights) : 0,
                              &config, seed,
                              progress_trampoline, &progress, history->buf, LEN(history), &ran,
                              &converged, c.err, ERR_LEN));
    arena_free(&arena);
    if (call_end(&c) != 0) return NULL;
    return Py_BuildValue("(Li)", (long long)ran, (int)converged);
}

static PyObject *py_threshold_mcc(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *p_o, *y_o, *weights_o = Py_None;
    if (!PyArg_ParseTuple(args, "OO|O:threshold_mcc", &p_o, &y_o, &weights_o)) return NULL;
    Call c;
    call_begin(&c, NULL, 0);
    const Py_buffer *p = acquire(&c, p_o, "probabilities", F64, 1);
    const Py_buffer *y = acquire(&c, y_o, "labels", F64, 1);
    /* sample_weight: None (every row weighs 1) or a float64 vector */
    const Py_buffer *weights = weights_o == Py_None ? NULL : acquire(&c, weights_o, "sample_weight", F64, 1);
    if (!c.failed && LEN(p) != LEN(y)) {
        PyErr_SetString(PyExc_ValueError, "labels must have the same length as probabilities");
        c.failed = 1;
    }
    double threshold = 0;
    ENGINE(&c, cf_threshold_mcc(p->buf, y->buf, LEN(p),
                                weights != NULL ? weights->buf : NULL, weights != NULL ? LEN(weights) : 0,
                                &threshold, 1, c.err, ERR_LEN));
    if (call_end(&c) != 0) return NULL;
    return PyFloat_FromDouble(threshold);
}

static PyObject *py_matrix_multiply(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *a_o, *b_o, *out_o;
    long long n_threads = 0;
    if (!PyArg_ParseTuple(args, "OOO|L:matrix_multiply", &a_o, &b_o, &out_o, &n_threads)) return NULL;
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
    ENGINE(&c, cf_matrix_multiply(a->buf, ROWS(a), COLS(a), b->buf, COLS(b), out->buf, LEN(out), (int64_t)n_threads,
                                 c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

/* ------------------------------------------------------------------ audits ------ */

static PyObject *py_audit(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *scm_o, *x_o, *options_o, *seed_o, *progress_o, *flags_o, *levels_o, *witnesses_o;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, H_ARG "OOOOOOOO:audit", H_PARSE, &scm_o, &x_o, &options_o, &seed_o,
                          &progress_o, &flags_o, &levels_o, &witnesses_o))
        return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    cf_audit_options options;
    if (!fill_struct(options_o, AUDIT_FIELDS, &options, "options", NULL)) return NULL;
    if (progress_o != Py_None && !PyCallable_Check(progress_o))
        return PyErr_Format(PyExc_TypeError, "progress must be callable or None");
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_MODEL)) return NULL;
    call_also(&c, scm_o, CF_HANDLE_SCM, "scm");
    const Py_buffer *x = acquire(&c, x_o, "x", F64, 2);
    const Py_buffer *flags = acquire(&c, flags_o, "flags", I64 | WRITE, 1);
    const Py_buffer *levels = acquire(&c, levels_o, "levels", I64 | WRITE, 1);
    const Py_buffer *witnesses = acquire(&c, witnesses_o, "witnesses", F64 | WRITE, 2);
    Progress progress = {progress_o, monotonic_seconds()};
    void *scm = c.other != NULL ? c.other->ptr : NULL;
    ENGINE(&c, cf_audit(h->ptr, scm, x->buf, ROWS(x), COLS(x), &options, seed, progress_trampoline,
                        &progress, flags->buf, LEN(flags), levels->buf, LEN(levels), witnesses->buf, LEN(witnesses),
                        c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyObject *py_audit_ball(PyObject *self, PyObject *args) {
    (void)self;
    HandleObject *h;
    PyObject *x_o, *options_o, *seed_o, *out_o;
    long long first_sample;
    uint64_t seed;
    if (!PyArg_ParseTuple(args, H_ARG "OOOLO:audit_ball", H_PARSE, &x_o, &options_o, &seed_o, &first_sample,
                          &out_o))
        return NULL;
    if (!parse_seed(seed_o, &seed)) return NULL;
    cf_audit_options options;
    if (!fill_struct(options_o, AUDIT_FIELDS, &options, "options", NULL)) return NULL;
    Call c;
    if (!call_begin(&c, h, CF_HANDLE_SCM)) return NULL;
    const Py_buffer *x = acquire(&c, x_o, "x", F64, 2);
    const Py_buffer *out = acquire(&c, out_o, "out", F64 | WRITE, 2);
    ENGINE(&c, cf_audit_ball(h->ptr, x->buf, ROWS(x), COLS(x), &options, seed, (int64_t)first_sample, out->buf,
                             LEN(out), c.err, ERR_LEN));
    RETURN_NONE_OR_NULL(&c);
}

static PyMethodDef engine_methods[] = {
    {"version", py_version, METH_NOARGS, "version() -> str: the engine version."},
    {"limits", py_limits, METH_NOARGS,
     "limits() -> dict: the engine's limits (cf_limits, field names as in FIELDS['limits'])"},
    {"graph_order", py_graph_order, METH_VARARGS,
     "graph_order(parent_counts: int64[:], parents: int64[:], order_out: int64[:], cycle_out: int64[:]) "
     "-> int: 0 and order_out a topological order, or the length k of the cycle in cycle_out[:k]"},
    {"scm_new", py_scm_new, METH_VARARGS,
     "scm_new(nodes: list of dicts with exactly the keys FIELDS['node_spec'] (codes by name, "
     "CODES; 'program': list of dicts with the keys FIELDS['expression_op'])) -> Handle"},
    {"scm_free", py_scm_free, METH_VARARGS, "scm_free(h) -> None (idempotent)"},
    {"scm_info", py_scm_info, METH_VARARGS,
     "scm_info(h) -> (columns, nodes, twin_levels, sensitive_nodes, perturbable_columns, "
     "parameter_count, latent_rows, is_fitted)"},
    {"scm_fit", py_scm_fit, METH_VARARGS,
     "scm_fit(h, data, seed, sample_weight=None, dp=False, noise_multiplier=0, max_grad_norm=0) -> None"},
    {"scm_abduct", py_scm_abduct, METH_VARARGS, "scm_abduct(h, data, out) -> None"},
    {"scm_counterfactual", py_scm_counterfactual, METH_VARARGS,
     "scm_counterfactual(h, data, do_nodes, do_values, out) -> None"},
    {"scm_sample", py_scm_sample, METH_VARARGS,
     "scm_sample(h, do_nodes, do_values, seed, out) -> None (n_out = out.shape[0])"},
    {"scm_twin_levels", py_scm_twin_levels, METH_VARARGS,
     "scm_twin_levels(h, out: int64[:, :]) -> None"},
    {"scm_twins", py_scm_twins, METH_VARARGS, "scm_twins(h, data, out) -> None"},
    {"scm_abduct_at", py_scm_abduct_at, METH_VARARGS,
     "scm_abduct_at(h, data, row_labels: int64[:], out) -> None"},
    {"scm_intervention_gradient", py_scm_intervention_gradient, METH_VARARGS,
     "scm_intervention_gradient(h, model, latent, do_nodes, do_values, n_threads, counterfactuals_out, "
     "logits_out: float64[:], gradient_out) -> None"},
    {"scm_counterfactual_draws", py_scm_counterfactual_draws, METH_VARARGS,
     "scm_counterfactual_draws(h, data, do_nodes, do_values, n_draws, seed, out) -> None"},
    {"scm_twins_draws", py_scm_twins_draws, METH_VARARGS,
     "scm_twins_draws(h, data, n_draws, seed, out) -> None"},
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
     "model_new(widths: int64[:], activation: a name of CODES['activation'], seed) -> Handle"},
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
     "model_train(h, scm_or_None, x, y, sample_weight_or_None, config: dict with exactly the keys "
     "FIELDS['training_config'], "
     "seed, progress_or_None, "
     "history) -> (epochs run, converged: 1 / 0 for newton, -1 otherwise). Raises KeyboardInterrupt (or what progress raised) when "
     "stopped; the model is then unchanged."},
    {"audit_ball", py_audit_ball, METH_VARARGS,
     "audit_ball(scm, x, options: dict with exactly the keys FIELDS['audit_options'], seed, first_sample, "
     "out) -> None: the points the sampling audit draws (cf_audit_ball)"},
    {"audit", py_audit, METH_VARARGS,
     "audit(model, scm_or_None, x, options: dict with exactly the keys FIELDS['audit_options'], "
     "seed, progress_or_None, flags_out, levels_out, witnesses_out) -> None"},
    {"matrix_multiply", py_matrix_multiply, METH_VARARGS,
     "matrix_multiply(a, b, out, n_threads=0) -> None: out = a @ b with the engine's BLAS (float64, C order) "
     "on n_threads engine threads (0: every core online); the same bits for any count"},
    {"threshold_mcc", py_threshold_mcc, METH_VARARGS,
     "threshold_mcc(probabilities, labels[, sample_weight]) -> float"},
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
        PyModule_AddIntConstant(m, "ERR_LEN", ERR_LEN) < 0 || add_contract(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
