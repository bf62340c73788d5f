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

enum {
    CF_OK = 0,
    CF_VALUE_ERROR = 1,   /* bad values or shapes            -> ValueError   */
    CF_TYPE_ERROR = 2,    /* wrong handle kind, bad types    -> TypeError    */
    CF_MEMORY_ERROR = 3,  /* an allocation would be too big  -> MemoryError  */
    CF_RUNTIME_ERROR = 4, /* numerical failure, not fitted   -> RuntimeError */
    CF_KEY_ERROR = 5,     /* unknown node index              -> KeyError     */
    CF_INTERRUPTED = 6    /* the progress callback asked to stop -> KeyboardInterrupt
                             (or the exception the callback left pending)   */
};

/* Handle kinds, as reported by cf_handle_kind. */
enum { CF_HANDLE_SCM = 1, CF_HANDLE_MODEL = 2 };

/* Engine version, "major.minor.patch". */
const char *cf_version(void);

/* The kind of a live handle (CF_HANDLE_*), or 0 for NULL. */
int32_t cf_handle_kind(void *handle);

/* ---------------------------------------------------------------- SCM ------------

 Specification of an SCM: an int64 array and a float64 array, read in order.
 ints:    [version = 1, n_nodes, then for each node:
            kind (0 continuous, 1 binary, 2 categorical), width (1, 1, K),
            n_parents, parent indices...,
            sensitive (0/1), immutable (0/1),
            mechanism (0 none / root, 1 linear, 2 mlp),
            n_hidden, hidden sizes...,              (mlp; 0 otherwise)
            epochs, batch_size,                     (mlp; 0 otherwise)
            noise (0 empirical, 1 normal, 2 gamma, 3 bernoulli) ]
 doubles: for each node: [ridge, learning_rate, noise_a, noise_b, noise_c]
            normal: loc = a, scale = b; gamma: shape = a, scale = b, loc = c;
            bernoulli: p = a. Unused entries are 0.
 Version 2 (ints[0] = 2) adds mechanism 3 (expression, continuous nodes: the exact
 post-nonlinear V = offset + scale * h(f(Pa) + U)) and, for EVERY node, after its noise:
   ints:    n_ops, the program in postfix (0 input k (k follows: index among the
            node's parent columns), 1 constant (its value is the next double),
            2 add, 3 subtract, 4 multiply, 5 divide, 6 negate, 7 square, 8 relu,
            9 sigmoid, 10 tanh, 11 exp, 12 log, 13 power n (n follows, 0..64)),
            outer h (0 identity, 1 sigmoid, 2 tanh, 3 exp)
   doubles: the constants in program order, then offset, scale (0, 1 for none).
 The encoded data matrix holds the nodes' columns in node order (widths as given).
 Categorical nodes are one-hot; binary nodes are coded 0/1. */

int32_t cf_scm_new(const int64_t *spec_ints, int64_t n_ints,
                   const double *spec_doubles, int64_t n_doubles,
                   void **out_handle, char *err, int64_t err_len);
void cf_scm_free(void *scm);

/* Facts about an SCM, written to out[0..7]:
   [columns, nodes, twin_levels, sensitive_nodes, perturbable_columns,
    parameter_count, latent_rows, is_fitted] */
int32_t cf_scm_info(void *scm, int64_t *out, int64_t out_len, char *err, int64_t err_len);

/* Fit every mechanism on data (rows x columns); seed drives MLP initialisation and
   shuffling. Stores the abducted latent matrix as the empirical noise sample. */
int32_t cf_scm_fit(void *scm, const double *data, int64_t rows, int64_t cols,
                   uint64_t seed, char *err, int64_t err_len);

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

/* Index of each row's factual twin level (rows int64). */
int32_t cf_scm_factual_levels(void *scm, const double *data, int64_t rows, int64_t cols,
                              int64_t *out, int64_t out_len, char *err, int64_t err_len);

/* Semi-latent map: phi(v) holds v on sensitive nodes and u elsewhere. */
int32_t cf_scm_phi(void *scm, const double *data, int64_t rows, int64_t cols,
                   double *out, int64_t out_len, char *err, int64_t err_len);
int32_t cf_scm_phi_inverse(void *scm, const double *z, int64_t rows, int64_t cols,
                           double *out, int64_t out_len, char *err, int64_t err_len);

/* Vector-Jacobian product of phi^-1 at z: out = J(z)^T cotangent (rows x columns). */
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
 activation: 0 tanh, 1 relu (hidden layers). Parameters: layer by layer, each as its
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

/* Trains the model in place (only on success).
 config_ints:    [objective (0 erm, 1 al, 2 cal, 3 llr, 4 capify, 5 causal_at), epochs,
                  batch_size, optimizer (0 adam, 1 sgd, 2 newton), patience, steps, n_samples,
                  exact_when_linear (0/1)]
 config_doubles: [learning_rate, weight_decay, validation_fraction, radius, epsilon,
                  step_size (0: 2.5 radius / steps), inner_learning_rate, lambda, mu, nu,
                  twin_penalty, tol (newton: largest |gradient entry| to stop at)]
 scm may be NULL (then causal objectives perturb the inputs directly). labels are 0/1.
 newton (full-batch Newton/IRLS from 0, mean BCE + weight_decay/2 |theta|^2): only a
 model without hidden layers, objective erm, twin_penalty 0, validation_fraction 0;
 epochs is then the largest number of Newton steps, one history row per step.
 history (epochs x 2): training objective and validation BCE per epoch run;
 *epochs_run receives how many epochs ran (early stopping may end sooner);
 *converged receives 1 when newton met tol, 0 when it stopped short (step limit, or
 no decrease possible), -1 for adam and sgd. */
int32_t cf_model_train(void *model, void *scm, const double *x, int64_t rows, int64_t cols,
                       const double *labels, int64_t n_labels,
                       const int64_t *config_ints, int64_t n_ints,
                       const double *config_doubles, int64_t n_doubles, uint64_t seed,
                       cf_progress_fn progress, void *context,
                       double *history, int64_t history_len, int64_t *epochs_run, int32_t *converged,
                       char *err, int64_t err_len);

/* The threshold t maximising the MCC of "predict 1 when p > t" (out: 1 double). */
int32_t cf_threshold_mcc(const double *probabilities, const double *labels, int64_t n,
                         double *out, int64_t out_len, char *err, int64_t err_len);

/* out = a b for row-major a (rows x inner) and b (inner x cols); out: rows x cols.
   The engine's own BLAS product, no copies. */
int32_t cf_matrix_multiply(const double *a, int64_t rows, int64_t inner, const double *b, int64_t cols,
                           double *out, int64_t out_len, char *err, int64_t err_len);

/* --------------------------------------------------------------- audits -----------

 Unfair-area indicators of the classifier h(x) = 1[g(x) > logit_threshold] for every
 row of x: is some point of the protected causal perturbation ball of radius `radius`
 (all twin levels; only the row's own level when factual_only != 0) classified
 differently from the row? scm may be NULL (the ball is then the input-space L2 ball).
 method: 0 sample (n_samples uniform points per twin ball), 1 attack (projected
 gradient, `steps` steps of `step_size` (0: 2.5 radius / steps), `restarts` starts),
 2 exact (logistic regression on a linear SCM).
 Outputs: flags (rows int64, 0/1), witness twin levels (rows int64, -1 if not flagged),
 witnesses (rows x cols, NaN rows if not flagged). progress is called after every
 chunk of rows (and, for attack, after every step) with batch = rows done, batches =
 rows (epoch 0, epochs 1); chunks are sized so that this happens several times a
 second (see UnfairnessAudit.chunkRows). first_row (>= 0) is the position of x's first
 row in a larger table audited in parts: row r draws from the random streams of row
 first_row + r, so parts audited with their offsets give the whole table's results. */
int32_t cf_audit(void *model, void *scm, const double *x, int64_t rows, int64_t cols,
                 double logit_threshold, double radius, int32_t factual_only, int32_t method,
                 int64_t n_samples, int64_t steps, int64_t restarts, double step_size,
                 uint64_t seed, int64_t first_row, cf_progress_fn progress, void *context,
                 int64_t *flags, int64_t *levels, double *witnesses, int64_t witnesses_len,
                 char *err, int64_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* CAUSALFAIR_H */
