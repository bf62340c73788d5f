/*
 * causalfair.h — the C ABI of the causalfair engine (hand-written; keep in sync with
 * the Swift files of Sources/CausalFairEngine).
 *
 * Conventions
 *  - Every function that can fail returns an int32 status (CF_OK on success) and, on
 *    failure, writes a NUL-terminated message into `err` (capacity `err_len` bytes).
 *  - Matrices are dense, row-major (C-contiguous) float64; `rows` x `cols`.
 *  - Handles are opaque; each `*_new` has a matching `*_free`. The engine keeps no
 *    global mutable state; a handle may be used from one thread at a time.
 *  - Output buffers are allocated by the caller; each comes with its length in
    elements (`out_len`, ...), which the engine checks against the documented shape
    before writing anything.
 */
#ifndef CAUSALFAIR_H
#define CAUSALFAIR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- the contract -------

 Every code that crosses the ABI is a named constant of one of the enums below, and
 every settings block a struct of named fields. The engine (Swift) imports this header
 to read them; the CPython shim fills the structs from Python keyword dictionaries
 through field tables compiled against it and exports the code names (see
 ARCHITECTURE.md, "The ABI contract"). Codes are int32_t fields; each enum ends with
 its *_COUNT, one past its largest code. */

/* Status codes: what every fallible function returns. */
enum {
    CF_OK = 0,
    CF_VALUE_ERROR = 1,   /* bad values or shapes            -> ValueError   */
    CF_TYPE_ERROR = 2,    /* wrong handle kind, bad types    -> TypeError    */
    CF_MEMORY_ERROR = 3,  /* an allocation would be too big  -> MemoryError  */
    CF_RUNTIME_ERROR = 4, /* numerical failure, not fitted   -> RuntimeError */
    CF_KEY_ERROR = 5,     /* unknown node index              -> KeyError     */
    CF_INTERRUPTED = 6,   /* the progress callback asked to stop -> KeyboardInterrupt
                             (or the exception the callback left pending)   */
    CF_STATUS_COUNT = 7
};

/* Handle kinds, as reported by cf_handle_kind (CF_HANDLE_NONE: NULL or not a handle). */
enum { CF_HANDLE_NONE = 0, CF_HANDLE_SCM = 1, CF_HANDLE_MODEL = 2, CF_HANDLE_COUNT = 3 };

/* Training objectives (DESIGN §4). */
enum {
    CF_OBJECTIVE_ERM = 0,
    CF_OBJECTIVE_AL = 1,
    CF_OBJECTIVE_CAL = 2,
    CF_OBJECTIVE_LLR = 3,
    CF_OBJECTIVE_CAPIFY = 4,
    CF_OBJECTIVE_CAUSAL_AT = 5,
    CF_OBJECTIVE_TRADES = 6,
    CF_OBJECTIVE_ROSS = 7,
    CF_OBJECTIVE_SENSEI = 8,
    CF_OBJECTIVE_COUNT = 9
};

/* Update rules (CF_OPTIMIZER_NEWTON: full-batch Newton/IRLS, logistic erm only). */
enum { CF_OPTIMIZER_ADAM = 0, CF_OPTIMIZER_SGD = 1, CF_OPTIMIZER_NEWTON = 2, CF_OPTIMIZER_COUNT = 3 };

/* Hidden-layer activations of a model. */
enum { CF_ACTIVATION_TANH = 0, CF_ACTIVATION_RELU = 1, CF_ACTIVATION_COUNT = 2 };

/* Audit estimators. */
enum { CF_AUDIT_SAMPLE = 0, CF_AUDIT_ATTACK = 1, CF_AUDIT_EXACT = 2, CF_AUDIT_COUNT = 3 };

/* Node kinds: their encoded widths are 1, 1 and the number of levels K. */
enum { CF_NODE_CONTINUOUS = 0, CF_NODE_BINARY = 1, CF_NODE_CATEGORICAL = 2, CF_NODE_COUNT = 3 };

/* Mechanisms f of V := f(Pa) + U (CF_MECHANISM_ROOT: V := U). */
enum {
    CF_MECHANISM_ROOT = 0,
    CF_MECHANISM_LINEAR = 1,
    CF_MECHANISM_MLP = 2,
    CF_MECHANISM_EXPRESSION = 3, /* continuous nodes: V = offset + scale * outer(f(Pa) + U) */
    CF_MECHANISM_COUNT = 4
};

/* How a binary or categorical non-root node's mechanism treats its codes (DESIGN §4):
   ANM, an additive noise model on the 0/1 codes (fractional counterfactual codes; the
   published reference), or GUMBEL, logits from the parents and hard codes, abduction by
   posterior sampling (the *_draws functions give R draws per row). */
enum { CF_DISCRETE_ANM = 0, CF_DISCRETE_GUMBEL = 1, CF_DISCRETE_COUNT = 2 };

/* Noise laws; which cf_node_spec noise_* fields each reads is given there. */
enum { CF_NOISE_EMPIRICAL = 0, CF_NOISE_NORMAL = 1, CF_NOISE_GAMMA = 2, CF_NOISE_BERNOULLI = 3, CF_NOISE_COUNT = 4 };

/* Operations of an expression program, in postfix. */
enum {
    CF_OP_INPUT = 0,     /* push parent column `argument` (its index among the node's parent columns) */
    CF_OP_CONSTANT = 1,  /* push `constant` */
    CF_OP_ADD = 2,
    CF_OP_SUBTRACT = 3,
    CF_OP_MULTIPLY = 4,
    CF_OP_DIVIDE = 5,
    CF_OP_NEGATE = 6,
    CF_OP_SQUARE = 7,
    CF_OP_RELU = 8,
    CF_OP_SIGMOID = 9,
    CF_OP_TANH = 10,
    CF_OP_EXP = 11,
    CF_OP_LOG = 12,
    CF_OP_POWER = 13,    /* raise to the whole power `argument` (0..64) */
    CF_OP_COUNT = 14
};

/* Outer functions of an expression mechanism. */
enum { CF_OUTER_IDENTITY = 0, CF_OUTER_SIGMOID = 1, CF_OUTER_TANH = 2, CF_OUTER_EXP = 3, CF_OUTER_COUNT = 4 };

/* The limits the engine enforces, written by cf_get_limits. A value beyond one is
   refused with CF_VALUE_ERROR (never a trap); callers check against these, not
   against copies. */
typedef struct cf_limits {
    int64_t max_elements;        /* elements of any matrix the engine allocates (BLAS's 32-bit indices) */
    double max_radius;           /* perturbation radius, standardized latent units */
    int64_t max_epochs;          /* training epochs (Newton: steps) */
    int64_t max_training_steps;  /* inner maximisation steps of training */
    int64_t max_training_samples;/* candidates per row of cal */
    int64_t max_audit_samples;   /* audit n_samples per twin ball */
    int64_t max_audit_steps;     /* audit attack steps */
    int64_t max_audit_restarts;  /* audit attack restarts */
    int64_t max_newton_features; /* columns of X for CF_OPTIMIZER_NEWTON */
    int64_t max_layer_width;     /* width of any layer of a model */
    int64_t max_nodes;           /* nodes of an SCM */
    int64_t max_node_width;      /* levels of a categorical node */
    int64_t max_mechanism_hidden_layers; /* hidden layers of an MLP mechanism */
    int64_t max_mechanism_hidden_width;  /* width of a hidden layer of an MLP mechanism */
    int64_t max_mechanism_epochs;        /* epochs of an MLP mechanism's fit */
    int64_t max_program_length;  /* operations of an expression program */
    int64_t max_power;           /* largest CF_OP_POWER exponent */
    int64_t max_draws;           /* n_draws of cf_scm_*_draws */
    int64_t max_threads;         /* n_threads of training and audits */
    int64_t audit_sample_block;  /* not a limit: the samples per ball that the sample method
                                    draws together (cf_audit_ball's first_sample is a
                                    multiple), so a caller sampling a black box in blocks
                                    draws the same points */
} cf_limits;

/* Writes the engine's limits; `size` is sizeof(cf_limits) as the caller compiled it
   (CF_VALUE_ERROR when it differs: caller and engine disagree on the contract). */
int32_t cf_get_limits(cf_limits *out, int64_t size, char *err, int64_t err_len);

/* Engine version, "major.minor.patch". */
const char *cf_version(void);

/* The kind of a live handle (CF_HANDLE_*), or CF_HANDLE_NONE for NULL. */
int32_t cf_handle_kind(void *handle);

/* --------------------------------------------------------------- graphs -----------

 A directed graph of n_nodes nodes: node i has parent_counts[i] parents, listed in
 `parents` (n_parents indices in all, node 0's first). When the graph is acyclic,
 *cycle_count receives 0 and `order` (n_nodes) a topological order (among the nodes
 ready at each step, the smallest index first); otherwise *cycle_count receives the
 length k of a directed cycle, cycle[0..k-1] its nodes (each a parent of the next,
 the last a parent of the first; the rest -1), and `order` is not written. A self
 loop is a cycle of length 1; a repeated parent is CF_VALUE_ERROR, an index outside
 the graph CF_KEY_ERROR. */
int32_t cf_graph_order(const int64_t *parent_counts, int64_t n_nodes,
                       const int64_t *parents, int64_t n_parents,
                       int64_t *order, int64_t order_len, int64_t *cycle, int64_t cycle_len,
                       int64_t *cycle_count, char *err, int64_t err_len);

/* ---------------------------------------------------------------- SCM ------------

 An SCM is given as an array of node specifications in topological order (parents
 before children). The encoded data matrix holds the nodes' columns in node order
 (widths as given). Categorical nodes are one-hot; binary nodes are coded 0/1. */

/* One operation of an expression program (CF_OP_*); `argument` is read by
   CF_OP_INPUT and CF_OP_POWER, `constant` by CF_OP_CONSTANT; the others are 0. */
typedef struct cf_expression_op {
    int32_t op;
    int32_t argument;
    double constant;
} cf_expression_op;

typedef struct cf_node_spec {
    int32_t kind;                 /* CF_NODE_* */
    int64_t width;                /* 1, 1, K (the number of levels) */
    const int64_t *parents;       /* n_parents indices of earlier nodes */
    int64_t n_parents;
    int32_t sensitive;            /* 0/1 */
    int32_t immutable;            /* 0/1 */
    int32_t mechanism;            /* CF_MECHANISM_*; CF_MECHANISM_ROOT iff n_parents == 0 */
    double ridge;                 /* LINEAR: L2 penalty of the least-squares fit */
    const int64_t *hidden;        /* MLP: n_hidden hidden-layer widths */
    int64_t n_hidden;
    int64_t epochs;               /* MLP */
    int64_t batch_size;           /* MLP */
    double learning_rate;         /* MLP */
    const cf_expression_op *program; /* EXPRESSION: f in postfix, n_program operations */
    int64_t n_program;
    int32_t outer;                /* EXPRESSION: CF_OUTER_* */
    double offset;                /* EXPRESSION: V = offset + scale * outer(f(Pa) + U) */
    double scale;
    int32_t noise;                /* CF_NOISE_*, in encoded units:                      */
    double noise_loc;             /*   NORMAL: N(loc, scale^2); GAMMA: loc + Gamma(shape, scale) */
    double noise_scale;           /*   NORMAL, GAMMA                                    */
    double noise_shape;           /*   GAMMA                                            */
    double noise_p;               /*   BERNOULLI: P(U = 1)                              */
    int32_t discrete;             /* CF_DISCRETE_*: binary and categorical nodes with parents */
} cf_node_spec;

int32_t cf_scm_new(const cf_node_spec *nodes, int64_t n_nodes,
                   void **out_handle, char *err, int64_t err_len);
void cf_scm_free(void *scm);

/* Facts about an SCM, written to out[0..7]:
   [columns, nodes, twin_levels, sensitive_nodes, perturbable_columns,
    parameter_count, latent_rows, is_fitted] */
int32_t cf_scm_info(void *scm, int64_t *out, int64_t out_len, char *err, int64_t err_len);

/* Fit every mechanism on data (rows x columns); seed drives MLP initialisation and
   shuffling. Stores the abducted latent matrix as the empirical noise sample.
   sample_weight (n_weights = rows values, finite, >= 0, positive sum) weights every
   row's terms in each mechanism's fit (normalised to mean 1 over the rows of positive
   weight); rows of weight 0 are left out entirely (also of the latent sample, which
   keeps the other rows unweighted). NULL with n_weights 0: every row weighs 1.
   dp = 1: every MLP map (MLP mechanisms, discrete nodes' MLP logits) is fitted by DP-SGD
   (Poisson sampling at rate batch_size / n, per-example clipping to max_grad_norm,
   Gaussian noise of std noise_multiplier * max_grad_norm), as cf_training_config's dp;
   linear mechanisms are refused (CF_VALUE_ERROR). dp = 0: the two doubles are ignored. */
int32_t cf_scm_fit(void *scm, const double *data, int64_t rows, int64_t cols,
                   const double *sample_weight, int64_t n_weights,
                   uint64_t seed, int32_t dp, double noise_multiplier, double max_grad_norm,
                   char *err, int64_t err_len);

/* Latent noise U (rows x columns): U_i = V_i - f_i(Pa(i)); U_i = V_i for roots. */
int32_t cf_scm_abduct(void *scm, const double *data, int64_t rows, int64_t cols,
                      double *out, int64_t out_len, char *err, int64_t err_len);

/* Interventions do(node := value): `do_nodes` (n_do node indices) and `do_values`
   (do_rows x sum of the intervened nodes' widths, in do_nodes order); do_rows is 1
   (one value for every row) or equal to rows. */

/* Counterfactual of each row under the interventions (rows x columns). */
int32_t cf_scm_counterfactual(void *scm, const double *data, int64_t rows, int64_t cols,
                              const int64_t *do_nodes, int64_t n_do,
                              const double *do_values, int64_t do_rows, int64_t do_cols,
                              double *out, int64_t out_len, char *err, int64_t err_len);

/* The noise of each row (rows x columns, as cf_scm_abduct), row i abducted with the
   posterior streams of row row_labels[i] of the table it came from: the row
   cf_scm_abduct gives at that position, for rows gathered in any order, repeats
   included (labels >= 0, one per row). */
int32_t cf_scm_abduct_at(void *scm, const double *data, int64_t rows, int64_t cols,
                         const int64_t *row_labels, int64_t n_labels, double *out, int64_t out_len,
                         char *err, int64_t err_len);

/* One step of the recourse search, from rows' noise (latent, as cf_scm_abduct_at gives
   it): the counterfactual of each row under the interventions, the logits of the
   classifier (a model handle, one output, columns inputs) there, and the gradient of
   each logit in the latent layout: an intervened node's columns hold
   d logit / d (its value), the other intervened nodes held, every other node
   recomputed (through a Gumbel-max node: its straight-through surrogate).
   counterfactuals, gradient: rows x columns; logits: rows; every length checked
   before anything is computed. Rows are computed in pieces fixed by the row count on
   up to n_threads threads (0: every core): the same bits for any n_threads. */
int32_t cf_scm_intervention_gradient(void *scm, void *model, const double *latent, int64_t rows,
                                     int64_t cols, const int64_t *do_nodes, int64_t n_do,
                                     const double *do_values, int64_t do_rows, int64_t do_cols,
                                     int64_t n_threads, double *counterfactuals, int64_t counterfactuals_len,
                                     double *logits, int64_t logits_len, double *gradient,
                                     int64_t gradient_len, char *err, int64_t err_len);

/* n_out samples (observational, or interventional when n_do > 0) into out
   (n_out x columns). Noise of each node is drawn from its distribution; empirical
   noise is drawn from the fitted latent sample, independently per node. */
int32_t cf_scm_sample(void *scm, int64_t n_out,
                      const int64_t *do_nodes, int64_t n_do,
                      const double *do_values, int64_t do_rows, int64_t do_cols,
                      uint64_t seed, double *out, int64_t out_len, char *err, int64_t err_len);

/* Twin levels: out (twin_levels x sensitive_nodes) holds, for each twin level, the
   level index of each sensitive node (binary: the code 0/1; categorical: the one-hot
   column). Sensitive nodes in node order; the last one varies fastest. */
int32_t cf_scm_twin_levels(void *scm, int64_t *out, int64_t out_len, char *err, int64_t err_len);

/* Twins: out ((rows * twin_levels) x columns), row r's twins at rows
   r*twin_levels ... r*twin_levels + twin_levels - 1, in cf_scm_twin_levels order. */
int32_t cf_scm_twins(void *scm, const double *data, int64_t rows, int64_t cols,
                     double *out, int64_t out_len, char *err, int64_t err_len);

/* Under n_draws posterior draws of the noise (a GUMBEL node's noise is sampled from its
   posterior given the row; one random stream of `seed` per (node, row, draw), so results
   do not depend on how rows are batched): counterfactuals, out ((rows * n_draws) x
   columns), row r's draws at rows r*n_draws ... r*n_draws + n_draws - 1; and twins,
   out ((rows * n_draws * twin_levels) x columns), ordered by row, draw, twin level. */
int32_t cf_scm_counterfactual_draws(void *scm, const double *data, int64_t rows, int64_t cols,
                                    const int64_t *do_nodes, int64_t n_do,
                                    const double *do_values, int64_t do_rows, int64_t do_cols,
                                    int64_t n_draws, uint64_t seed,
                                    double *out, int64_t out_len, char *err, int64_t err_len);
int32_t cf_scm_twins_draws(void *scm, const double *data, int64_t rows, int64_t cols,
                           int64_t n_draws, uint64_t seed,
                           double *out, int64_t out_len, char *err, int64_t err_len);

/* Index of each row's factual twin level (rows int64). */
int32_t cf_scm_factual_levels(void *scm, const double *data, int64_t rows, int64_t cols,
                              int64_t *out, int64_t out_len, char *err, int64_t err_len);

/* Semi-latent map: phi(v) holds v on sensitive nodes and u elsewhere. */
int32_t cf_scm_phi(void *scm, const double *data, int64_t rows, int64_t cols,
                   double *out, int64_t out_len, char *err, int64_t err_len);
int32_t cf_scm_phi_inverse(void *scm, const double *z, int64_t rows, int64_t cols,
                           double *out, int64_t out_len, char *err, int64_t err_len);

/* Vector-Jacobian product of phi^-1 at z: out = J(z)^T cotangent (rows x columns).
   Through a Gumbel-max node (zero Jacobian) J holds its straight-through surrogate,
   the Jacobian of softmax((logits + noise) / tau), tau = 1: a search direction. */
int32_t cf_scm_phi_inverse_vjp(void *scm, const double *z, const double *cotangent,
                               int64_t rows, int64_t cols,
                               double *out, int64_t out_len, char *err, int64_t err_len);

/* Causal fair distance d(a_r, b_r) for each row (out: rows); +inf where the rows
   differ on an immutable latent coordinate. */
int32_t cf_scm_metric(void *scm, const double *a, const double *b, int64_t rows,
                      int64_t cols, double *out, int64_t out_len, char *err, int64_t err_len);

/* Perturbable-column mask (columns int64, 1 = perturbable). */
int32_t cf_scm_perturbable(void *scm, int64_t *out, int64_t out_len, char *err, int64_t err_len);

/* Uniform samples from the protected causal perturbation ball B_radius(v) of each row:
   for every twin level (or only the factual one when factual_only != 0) n_samples
   points phi^-1(phi(twin) + delta), delta uniform in the L2 ball on the perturbable
   columns. out: (rows * levels * n_samples) x columns, ordered row, level, sample;
   levels = twin_levels, or 1 when factual_only. */
int32_t cf_scm_ball(void *scm, const double *data, int64_t rows, int64_t cols,
                    double radius, int64_t n_samples, int32_t factual_only,
                    uint64_t seed, double *out, int64_t out_len, char *err, int64_t err_len);

/* Fitted state: parameters (parameter_count doubles, in node order, each mechanism's
   layout fixed by the spec), and the latent sample (latent_rows x columns). */
int32_t cf_scm_export(void *scm, double *parameters, int64_t n_parameters,
                      double *latent, int64_t latent_rows, int64_t cols,
                      char *err, int64_t err_len);
/* Restore a fitted state exported by cf_scm_export on an SCM built from the same
   spec; the SCM becomes fitted. */
int32_t cf_scm_import(void *scm, const double *parameters, int64_t n_parameters,
                      const double *latent, int64_t latent_rows, int64_t cols,
                      char *err, int64_t err_len);

/* -------------------------------------------------------------- models -----------

 A model is a feed-forward network with one output, the logit g(x):
 widths = [inputs, hidden..., 1]; widths = [inputs, 1] is logistic regression.
 activation: CF_ACTIVATION_* (hidden layers). Parameters: layer by layer, each as its
 weight matrix (fan-in x fan-out, row-major) then its bias. */

int32_t cf_model_new(const int64_t *widths, int64_t n_widths, int32_t activation,
                     uint64_t seed, void **out_handle, char *err, int64_t err_len);
void cf_model_free(void *model);

/* [inputs, parameter_count, n_widths, activation] into out[0..3]. */
int32_t cf_model_info(void *model, int64_t *out, int64_t out_len, char *err, int64_t err_len);
int32_t cf_model_widths(void *model, int64_t *out, int64_t out_len, char *err, int64_t err_len);
/* The largest input magnitude max|x| the model evaluates without overflow (out[0]): see
   MultilayerPerceptron.inputLimit; beyond it a logit may be arbitrary. */
int32_t cf_model_input_limit(void *model, double *out, int64_t out_len, char *err, int64_t err_len);
int32_t cf_model_get_parameters(void *model, double *out, int64_t out_len, char *err, int64_t err_len);
int32_t cf_model_set_parameters(void *model, const double *parameters, int64_t n_parameters,
                                char *err, int64_t err_len);

/* Logits g(x) (out: rows) and input gradients dg/dx (out: rows x cols). */
int32_t cf_model_logits(void *model, const double *x, int64_t rows, int64_t cols,
                        double *out, int64_t out_len, char *err, int64_t err_len);
int32_t cf_model_input_gradient(void *model, const double *x, int64_t rows, int64_t cols,
                                double *out, int64_t out_len, char *err, int64_t err_len);

/* Called after every minibatch (validation_loss is NaN except at an epoch's end, and
   without validation). Return 0 to go on, non-zero to stop (CF_INTERRUPTED). */
typedef int32_t (*cf_progress_fn)(void *context, int64_t epoch, int64_t epochs, int64_t batch,
                                  int64_t batches, double loss, double validation_loss);

/* The settings of a training run (defaults and meaning: TrainingConfiguration). */
typedef struct cf_training_config {
    int32_t objective;           /* CF_OBJECTIVE_* */
    int32_t optimizer;           /* CF_OPTIMIZER_* */
    int64_t epochs;              /* 0..max_epochs (newton: the largest number of steps) */
    int64_t batch_size;          /* > 0 */
    int64_t patience;            /* > 0: epochs without validation improvement */
    int64_t steps;               /* 0..max_training_steps: inner maximisation steps */
    int64_t n_samples;           /* 1..max_training_samples: candidates per row (cal) */
    int32_t exact_when_linear;   /* 0/1: causal_at's closed form on a linear model and SCM */
    double learning_rate;        /* > 0 */
    double weight_decay;         /* >= 0 */
    double validation_fraction;  /* [0, 1) */
    double radius;               /* [0, max_radius]: Δ of the causal ball (cal, causal_at, trades) */
    double epsilon;              /* >= 0: input-space ball of al, llr, capify; ross's step; sensei's start scale */
    double step_size;            /* >= 0; 0: 2.5 radius / steps */
    double inner_learning_rate;  /* > 0 (llr, capify, sensei) */
    double lambda;               /* >= 0 (llr, capify, ross, sensei) */
    double mu;                   /* >= 0 (llr, capify; sensei: transport cost) */
    double nu;                   /* >= 0 (capify) */
    double twin_penalty;         /* >= 0 */
    double tol;                  /* >= 0; newton: largest |gradient entry| to stop at */
    int32_t dp;                  /* 0/1: DP-SGD (Poisson sampling at rate batch_size / n, per-example
                                    clipping to max_grad_norm, Gaussian noise); adam or sgd, no validation */
    double noise_multiplier;     /* dp: >= 0, sigma (noise std = sigma * max_grad_norm) */
    double max_grad_norm;        /* dp: > 0, C; +inf only when noise_multiplier == 0 */
    double beta;                 /* >= 0: weight of the KL term (trades) */
    int64_t n_threads;           /* 0..max_threads engine threads (0: every core online); the
                                    result is the same, bit for bit, for any value */
    const int64_t *actionable;   /* the columns ross's step moves and capify's gradient penalty
                                    covers, each perturbable and given once; n_actionable 0
                                    (actionable may be NULL): every perturbable column */
    int64_t n_actionable;
} cf_training_config;

/* Trains the model in place (only on success), as `config` says.
 scm may be NULL (then causal objectives perturb the inputs directly). labels are 0/1.
 newton (full-batch Newton/IRLS from 0, mean BCE + weight_decay/2 |theta|^2): only a
 model without hidden layers, objective erm, twin_penalty 0, validation_fraction 0,
 at most max_newton_features columns; epochs is then the largest number of Newton
 steps, one history row per step. With dp the training objective in history is NaN
 (it would be a non-private release).
 history (epochs x 2): training objective and validation BCE per epoch run;
 *epochs_run receives how many epochs ran (early stopping may end sooner);
 *converged receives 1 when newton met tol, 0 when it stopped short (step limit, or
 no decrease possible), -1 for adam and sgd.
 sample_weight (n_weights = rows values, finite, >= 0, positive sum) weights every row's
 terms in the objective and the validation BCE; NULL with n_weights 0: every row weighs 1. */
int32_t cf_model_train(void *model, void *scm, const double *x, int64_t rows, int64_t cols,
                       const double *labels, int64_t n_labels,
                       const double *sample_weight, int64_t n_weights,
                       const cf_training_config *config, uint64_t seed,
                       cf_progress_fn progress, void *context,
                       double *history, int64_t history_len, int64_t *epochs_run, int32_t *converged,
                       char *err, int64_t err_len);

/* The threshold t maximising the MCC of "predict 1 when p > t" (out: 1 double).
   sample_weight (n_weights = n values, finite, >= 0, positive sum): the weighted MCC,
   each row counted with its weight; NULL with n_weights 0: every row weighs 1. */
int32_t cf_threshold_mcc(const double *probabilities, const double *labels, int64_t n,
                         const double *sample_weight, int64_t n_weights,
                         double *out, int64_t out_len, char *err, int64_t err_len);

/* out = a b for row-major a (rows x inner) and b (inner x cols); out: rows x cols.
   The engine's own BLAS product, no copies, on n_threads (0..max_threads; 0: every
   core online) engine threads: out's rows in fixed pieces of 256, OpenBLAS
   single-threaded in each, so the bits do not depend on n_threads. */
int32_t cf_matrix_multiply(const double *a, int64_t rows, int64_t inner, const double *b, int64_t cols,
                           double *out, int64_t out_len, int64_t n_threads, char *err, int64_t err_len);

/* --------------------------------------------------------------- audits -----------

 Unfair-area indicators of the classifier h(x) = 1[g(x) > logit_threshold] for every
 row of x: is some point of the protected causal perturbation ball of radius `radius`
 (all twin levels; only the row's own level when factual_only != 0) classified
 differently from the row? scm may be NULL (the ball is then the input-space L2 ball).
 Outputs: flags (rows int64, 0/1), witness twin levels (rows int64, -1 if not flagged),
 witnesses (rows x cols, NaN rows if not flagged). progress is called after every
 chunk of rows (and, for attack, after every step) with batch = rows done, batches =
 rows (epoch 0, epochs 1); chunks are sized so that this happens several times a
 second (see UnfairnessAudit.chunkRows). first_row (>= 0) is the position of x's first
 row in a larger table audited in parts: row r draws from the random streams of row
 first_row + r, so parts audited with their offsets give the whole table's results.
 With n_draws = R > 1 every row is audited at R posterior draws of its noise (draw d as
 in cf_scm_twins_draws with seed posterior_seed): flags and levels hold rows * R values
 and witnesses (rows * R) x cols, pair (row r, draw d) at r * R + d; progress counts
 pairs. n_draws = 1 with posterior_seed 0 is the single draw of seed 0. */

typedef struct cf_audit_options {
    int32_t method;              /* CF_AUDIT_* */
    int32_t factual_only;        /* 0/1 */
    double logit_threshold;      /* h(x) = 1[g(x) > logit_threshold] */
    double radius;               /* [0, max_radius] */
    int64_t n_samples;           /* SAMPLE: 1..max_audit_samples uniform points per twin ball */
    int64_t steps;               /* ATTACK: 0..max_audit_steps projected gradient steps */
    int64_t restarts;            /* ATTACK: 1..max_audit_restarts starts */
    double step_size;            /* ATTACK: >= 0; 0: 2.5 radius / steps */
    int64_t first_row;           /* >= 0: position of x's first row in the table (random streams) */
    int64_t n_draws;             /* 1..max_draws posterior draws per row (R); outputs per (row, draw) pair */
    int64_t posterior_seed;      /* the uint64 seed of the posterior draws, as its two's-complement bits */
    int64_t n_threads;           /* 0..max_threads engine threads (0: every core online); the
                                    result is the same, bit for bit, for any value */
} cf_audit_options;

int32_t cf_audit(void *model, void *scm, const double *x, int64_t rows, int64_t cols,
                 const cf_audit_options *options, uint64_t seed,
                 cf_progress_fn progress, void *context,
                 int64_t *flags, int64_t flags_len, int64_t *levels, int64_t levels_len,
                 double *witnesses, int64_t witnesses_len, char *err, int64_t err_len);

/* The points cf_audit's SAMPLE method draws, for auditing a classifier outside the
   engine on the same draws: for every (row, draw) pair of x (options: radius,
   factual_only, first_row, n_draws, posterior_seed), every ball (each twin level, or
   the factual one) and samples first_sample .. first_sample + options->n_samples - 1
   of the ball's stream of `seed`. out: (rows * n_draws * levels * n_samples) x cols,
   ordered row, draw, level, sample; levels = twin_levels, or 1 when factual_only.
   With radius 0 every sample is the twin itself. */
int32_t cf_audit_ball(void *scm, const double *x, int64_t rows, int64_t cols,
                      const cf_audit_options *options, uint64_t seed, int64_t first_sample,
                      double *out, int64_t out_len, char *err, int64_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* CAUSALFAIR_H */
