"""The scikit-learn estimator that trains fair and robust classifiers
(:class:`FairRobustClassifier`)."""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone  # type: ignore[import-untyped]  # untyped library
from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]  # untyped library
from sklearn.utils.multiclass import (check_classification_targets,  # type: ignore[import-untyped]  # untyped library
                                      type_of_target)
from sklearn.utils.validation import (_num_samples, check_is_fitted,  # type: ignore[import-untyped]  # untyped library
                                      column_or_1d, validate_data)

from . import _models, privacy as _privacy
from ._progress import EpochBar
from ._threads import THREADS
from .validation import (LIMITS, Boolean, Interval, Options, check_frame, check_node_list, check_parameter,
                         check_parameters, check_sample_weight, mean_and_std, seed_from)

if TYPE_CHECKING:
    from sklearn.utils import Tags  # type: ignore[import-untyped]  # untyped library

    from .scm import SCM

__all__ = ["FairRobustClassifier"]

_MODELS = ("logistic", "mlp")


class FairRobustClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # untyped bases (scikit-learn)
    """A binary classifier trained to be counterfactually fair, individually fair and
    robust with respect to a structural causal model.

    The model (logistic regression or an MLP) is trained by minibatch Adam (or SGD) on
    one of the objectives of DESIGN §4, or, for the one convex case (logistic
    regression under ``"erm"``), by full-batch Newton's method (``optimizer="newton"``):

    ``"erm"``
        Binary cross-entropy (BCE).
    ``"al"``
        Adversarial learning (Madry et al.): BCE at a PGD point of the L2 ball of
        radius ``epsilon`` in the standardized input space.
    ``"cal"``
        Causal adversarial learning by sampling: BCE at the worst of ``n_samples``
        uniform draws from the protected causal perturbation ball B_Δ(x), Δ = ``radius``.
    ``"llr"``
        Local linearity regularisation (Qin et al. 2019) on the loss, weights
        ``lambda_`` and ``mu``, inner maximiser in the ``epsilon`` ball.
    ``"capify"``
        The CAPIFY objective: BCE + ``lambda_`` · ``|g(x+δ) − g(x) − δᵀ∇g(x)|`` +
        ``mu`` · ‖∇ₓg‖² on the actionable (perturbable) features + ``nu`` · max over
        twins of BCE; δ from ``steps`` Adam steps of size ``inner_learning_rate`` in the
        ``epsilon`` ball, started at ε·N(0, I).
    ``"causal_at"``
        Causal adversarial training: BCE at the worst point of B_Δ(x) — every
        counterfactual twin, and ``steps`` projected gradient steps on the latent
        perturbation through the SCM. For logistic regression on a linear SCM the exact
        closed form is used (``exact``).
    ``"trades"``
        Causal TRADES (Zhang et al. 2019, in the causal ball): BCE(h(x), y) + ``beta`` ·
        KL(h(x) ‖ h(x′)), h(x) the predicted Bernoulli distribution and x′ the point of
        B_Δ(x) — every counterfactual twin, and ``steps`` projected gradient steps on
        the latent perturbation through the SCM, started at Δ·10⁻³·N(0, I) — with the
        largest KL. The KL term is 0 for a model constant on the ball, so ``beta``
        trades accuracy (BCE) against stability of the prediction on B_Δ(x); with
        ``beta=0`` it is ``"erm"``.
    ``"ross"``
        Ross, Lakkaraju & Bastani 2021 ("Learning models for actionable recourse"):
        BCE(h(x), y) + ``lambda_`` · BCE(h(x + δ), 1), δ the step of length ``epsilon``
        along the actionable (perturbable) part of ∇ₓg(x) — the one-step minimiser of
        the linearised BCE(h(x + δ), 1), toward the favourable class — held fixed in the
        gradient. The CAPIFY paper runs it with ``epsilon=0.75``.
    ``"sensei"``
        SenSeI (Yurochkin & Sun 2021): BCE(h(x), y) + ``lambda_`` · (g(x) − g(x′))²,
        x′ = x + δ the auditor's point: ``steps`` Adam steps of size
        ``inner_learning_rate`` from ``epsilon`` · N(0, I) maximising
        (g(x) − g(x + δ))² − ``mu`` · δᵀΣδ, with the fair metric of inFairness'
        ``LogisticRegSensitiveSubspace`` (the paper's runs): Σ = I − P_S, S spanned by
        the sensitive columns and, per sensitive level, the weights of a logistic
        regression predicting that level from the other columns (its proxies), fitted
        once on the training rows. ``mu`` is fixed (inFairness adapts it between
        batches) so that a batch's loss depends on the batch and the model only.

    ``twin_penalty`` adds, to any of them, that weight times the mean over rows of the
    largest ``|g(twin) − g(x)|``.

    ``optimizer="newton"`` minimises the same objective as Adam and SGD with
    ``method="erm"``, mean BCE + ``weight_decay`` / 2 · ‖θ‖² (θ: the weights *and* the
    intercept, as the optimisers' weight decay applies to every parameter), to its
    optimum: Newton steps with a Cholesky solve and step halving, from θ = 0, until the
    largest entry of the gradient is at most ``tol``; ``epochs`` bounds the number of
    steps, and ``batch_size``, ``learning_rate`` and ``random_state`` play no part.
    It needs ``model="logistic"``, ``method="erm"``, ``twin_penalty=0`` and
    ``validation_fraction=0``. On separable data without weight decay the optimum is
    at infinity: the weights grow (finitely) until the gradient falls below ``tol`` or
    the steps run out, and a :class:`~sklearn.exceptions.ConvergenceWarning` says so;
    set ``weight_decay > 0`` for a finite optimum. The same solution as
    ``sklearn.linear_model.LogisticRegression(C=1 / (weight_decay * n_samples),
    fit_intercept=False)`` on the standardized features with a column of ones
    appended (``C=numpy.inf`` when ``weight_decay=0``). The default stays
    ``"adam"``, so that existing code and the paper's protocol (Adam, 10 epochs) keep
    their results; ``"newton"`` is the faster and exact choice for logistic erm.

    Parameters
    ----------
    scm : causalfair.SCM or None, default=None
        The causal model of the features. Fitted, it is used as is, also by clones
        of this estimator (so inside ``GridSearchCV`` every fold shares it, and ``X``
        may be its encoded matrix, said with ``encoded=True``); unfitted, a clone of
        it is fitted on ``X`` inside :meth:`fit` (``scm_``), and the SCM passed is
        left untouched. ``None`` means no
        causal structure: features are standardized, every feature is perturbable and
        there are no twins, so ``causal_at`` and ``cal`` become plain robust training
        in the L2 ball of radius ``radius`` and ``capify`` loses its twin term.
    model : {"mlp", "logistic"}, default="mlp"
    hidden_layer_sizes : tuple of int, default=(100, 100)
        Hidden widths of the MLP (ignored for logistic regression).
    activation : {"tanh", "relu"}, default="tanh"
    method : {"erm", "al", "cal", "llr", "capify", "causal_at", "trades", "ross", "sensei"}, default="causal_at"
    radius : float, default=0.05
        Δ of the causal perturbation ball (``cal``, ``causal_at``, ``trades``), in the SCM's
        standardized latent units.
    epochs : int in [0, 1000000], default=10
    batch_size : int, default=100
    learning_rate : float, default=0.01
    optimizer : {"adam", "sgd", "newton"}, default="adam"
        ``"newton"``: logistic regression under ``erm`` only, at most 2,048 features
        (see above).
    weight_decay : float, default=0.0
        L2 penalty added to the gradient of every parameter (intercept included): the
        objective gains ``weight_decay`` / 2 · ‖θ‖².
    validation_fraction : float in [0, 1), default=0.0
        Fraction of rows held out for early stopping on validation BCE (0: none).
    patience : int, default=5
        Epochs without validation improvement before stopping.
    threshold : float in (0, 1) or "mcc", default=0.5
        Predict the positive class when its probability exceeds this; ``"mcc"`` picks
        the threshold maximising the Matthews correlation on the training data
        (weighted by ``fit``'s ``sample_weight`` when given).
    epsilon : float, default=0.05
        Radius of the input-space ball of ``al``, ``llr`` and ``capify``; the length of
        ``ross``'s step toward the favourable class; the scale of ``sensei``'s random
        auditor start.
    steps : int, default=10
        Inner maximisation steps.
    step_size : float or None, default=None
        PGD step of ``al``, ``causal_at`` and ``trades``; None means 2.5 × radius / steps.
    inner_learning_rate : float, default=0.1
        Inner Adam step of ``llr``, ``capify`` and ``sensei``'s auditor.
    n_samples : int, default=10
        Candidates per row for ``cal``.
    lambda_, mu, nu : float, default=1.0
        Weights of the ``llr`` / ``capify`` terms; ``lambda_`` weighs the recourse
        term of ``ross`` and the invariance term of ``sensei``, ``mu`` is ``sensei``'s
        transport cost.
    twin_penalty : float, default=0.0
    exact : {"auto", True, False}, default="auto"
        ``causal_at``: use the closed form when the model is logistic and the SCM
        linear ("auto"), insist on it (True), or always use projected gradient (False).
    random_state : None, int or numpy.random.Generator, default=None
        Seeds initialisation, shuffling, inner starts and samples. The same int gives
        a bit-identical model on the same machine, for any ``n_threads``.
    verbose : bool, default=False
        Show a progress bar per epoch (needs tqdm).
    tol : float, default=1e-8
        ``optimizer="newton"``: stop when every entry of the objective's gradient is at
        most this in absolute value (the other optimisers ignore it).
    privacy : None or dict, default=None
        Train with DP-SGD (:mod:`causalfair.privacy`, any ``method`` but sensei, whose
        fair metric is fitted on the training rows without noise):
        ``dict(target_epsilon=ε, delta=δ, max_grad_norm=C)`` — ε > 0 required; δ in
        (0, 1), default 1 / (10 n); C > 0, default 1.0. Each step samples rows with
        probability ``batch_size`` / n, clips each sampled row's gradient of the full
        objective to norm C, adds N(0, σ²C²) noise and divides by the expected batch
        size; σ is the smallest that makes ``dp-accounting``'s RDP accountant report
        ε ≤ target for the run's sampling rate and ``epochs`` · ⌈n / batch_size⌉ steps.
        Protects the network's parameters only: an SCM fitted on the same data
        spends its own budget (``SCM(privacy=...)``, composed in ``total_epsilon_``)
        or none is private, and the standardization statistics are not private (see
        :mod:`causalfair.privacy`). Needs ``optimizer`` adam or sgd,
        ``validation_fraction=0`` and a numeric ``threshold``; the training loss in
        ``history_`` is NaN (not released). Needs the ``dp-accounting`` package.
    beta : float, default=6.0
        Weight of the KL term of ``trades`` (TRADES' default, 6); ``beta=0`` trains
        exactly as ``"erm"`` (the same bits for the same ``random_state``).
    actionable : str, list of str or None, default=None
        The SCM nodes a person can act on: ``ross``'s step toward the favourable class
        moves only their columns, and ``capify``'s gradient penalty covers only them.
        Each must be perturbable (not sensitive, not immutable, not a hard-coded discrete
        node); None: every perturbable node. The data sets name the reference code's
        (:attr:`causalfair.datasets.Dataset.actionable`). Needs an SCM.
    n_threads : int >= 1 or None, default=None
        Engine threads for training: each minibatch is cut into pieces of at most 50
        rows (fixed by the batch, not by the threads) whose inner maximisations run in
        parallel and whose gradients are summed in order, so the model is the same, bit
        for bit, for any value. None: :func:`causalfair.get_threads` at ``fit`` time
        (see :func:`causalfair.set_threads` and :func:`causalfair.thread_limit`).

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
    scm_ : causalfair.SCM or None
        The fitted SCM used.
    threshold_ : float
        The probability threshold used by :meth:`predict`.
    history_ : pandas.DataFrame
        Per epoch run: the mean training objective and the validation BCE. Newton:
        per step, the objective (weight-decay term included) and NaN.
    n_epochs_ : int
        Epochs run (early stopping may end sooner than ``epochs``); Newton: steps
        taken.
    epsilon_, delta_ : float
        With ``privacy``: the (ε, δ) the run spent, by a fresh accountant for the run's
        sampling rate, σ and steps (ε at most the target).
    noise_multiplier_ : float
        With ``privacy``: the calibrated σ.
    total_epsilon_ : float
        With ``privacy``: ε at ``delta_`` of this run composed with the SCM's DP fit
        (:attr:`SCM.dp_runs_ <causalfair.SCM>`, an SCM fitted with ``privacy`` on the same
        rows) by a fresh ``dp-accounting`` Rényi-DP accountant (RDP curves added order by
        order, one conversion to ε — not a sum of ε's). ``inf`` with an SCM fitted without
        privacy, by :meth:`fit` or before: its fit is a non-private release of the rows it
        saw, and nothing here can tell that they were not these (if they were public data,
        ``epsilon_`` is this run's whole spend). ``epsilon_`` without an SCM. The SCM's
        unprotected parts (its ``privacy`` entry lists them) are never counted.
    coef_, intercept_ : ndarray
        Logistic regression only: weights on the encoded (standardized) features.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        When ``X`` was a DataFrame.

    Notes
    -----
    Input forms (scikit-learn's rule on feature names, made strict where guessing
    would give wrong answers silently). With an SCM, ``X`` is a DataFrame holding the
    SCM's nodes in the user's units (extra columns ignored, any order). A 2-D array
    has no column names, so it is read as the SCM's **encoded** matrix
    (``scm.encode(df).to_numpy()``) only when asked: ``encoded=True`` in
    :meth:`fit`, :meth:`predict`, :meth:`predict_proba` and
    :meth:`decision_function`; otherwise it is refused with a ``ValueError``. An
    estimator fitted with ``encoded=True`` on an array reads arrays as encoded
    afterwards too (fitted without names, used without names, as scikit-learn does).
    So ``make_pipeline(StandardScaler(), clf)`` with an SCM is refused at ``fit``
    (the scaler hands over an array): drop the scaler, the SCM standardizes
    continuous nodes itself. Without an SCM, arrays and DataFrames of numbers are
    both features, and scikit-learn's warnings about feature names apply.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import causalfair as cf
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 400)
    >>> x1 = 2 * s + rng.normal(size=400)
    >>> x2 = s - x1 + rng.normal(size=400)
    >>> X = pd.DataFrame({"s": s, "x1": x1, "x2": x2})
    >>> y = (rng.random(400) < 1 / (1 + np.exp(-(x1 + x2)))).astype(int)
    >>> scm = cf.SCM({"x1": ["s"], "x2": ["s", "x1"]}, sensitive="s", random_state=0)
    >>> clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="causal_at",
    ...                               random_state=0, verbose=False).fit(X, y)
    >>> clf.predict(X.head(3)).shape
    (3,)
    """

    def __init__(self, *, scm: Any = None, model: str = "mlp", hidden_layer_sizes: Tuple[int, ...] = (100, 100),
                 activation: str = "tanh", method: str = "causal_at", radius: float = 0.05, epochs: int = 10,
                 batch_size: int = 100, learning_rate: float = 0.01, optimizer: str = "adam",
                 weight_decay: float = 0.0, validation_fraction: float = 0.0, patience: int = 5,
                 threshold: Any = 0.5, epsilon: float = 0.05, steps: int = 10, step_size: Optional[float] = None,
                 inner_learning_rate: float = 0.1, n_samples: int = 10,
                 lambda_: float = 1.0, mu: float = 1.0, beta: float = 6.0,
                 nu: float = 1.0, twin_penalty: float = 0.0, exact: Any = "auto", random_state: Any = None,
                 verbose: bool = False, tol: float = 1e-8, privacy: Optional[Dict[str, Any]] = None,
                 actionable: Any = None, n_threads: Optional[int] = None):
        self.scm = scm
        self.model = model
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.method = method
        self.radius = radius
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.threshold = threshold
        self.epsilon = epsilon
        self.steps = steps
        self.step_size = step_size
        self.inner_learning_rate = inner_learning_rate
        self.n_samples = n_samples
        self.lambda_ = lambda_
        self.mu = mu
        self.nu = nu
        self.twin_penalty = twin_penalty
        self.exact = exact
        self.random_state = random_state
        self.verbose = verbose
        self.tol = tol
        self.privacy = privacy
        self.beta = beta
        self.actionable = actionable
        self.n_threads = n_threads

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.allow_nan = False
        return tags

    # ------------------------------------------------------------------ parameters
    #: Each parameter's allowed values (:func:`causalfair.validation.check_parameters`);
    #: engine bounds by the names of its limits (``_engine.limits()``).
    _parameter_constraints: Dict[str, List[Any]] = {
        "model": [Options(_MODELS)],
        "activation": [Options(_models.ACTIVATIONS)],
        "method": [Options(_models.OBJECTIVES)],
        "optimizer": [Options(_models.OPTIMIZERS)],
        "radius": [Interval(float, 0, "max_radius")],
        "epochs": [Interval(int, 0, "max_epochs")],
        "batch_size": [Interval(int, 1, None)],
        "learning_rate": [Interval(float, 0, None, closed="neither")],
        "weight_decay": [Interval(float, 0, None)],
        "validation_fraction": [Interval(float, 0, 1, closed="left")],
        "patience": [Interval(int, 1, None)],
        "threshold": ["mcc", Interval(float, 0, 1, closed="neither")],
        "epsilon": [Interval(float, 0, None)],
        "steps": [Interval(int, 0, "max_training_steps")],
        "step_size": [None, Interval(float, 0, None, closed="neither")],
        "inner_learning_rate": [Interval(float, 0, None, closed="neither")],
        "n_samples": [Interval(int, 1, "max_training_samples")],
        "lambda_": [Interval(float, 0, None)],
        "mu": [Interval(float, 0, None)],
        "nu": [Interval(float, 0, None)],
        "twin_penalty": [Interval(float, 0, None)],
        "exact": [Options(["auto"]), Boolean()],
        "verbose": [Boolean()],
        "tol": [Interval(float, 0, None)],
        "privacy": [None, _privacy.SETTINGS],
        "beta": [Interval(float, 0, None)],
        "n_threads": [None] + THREADS,
    }

    def _settings(self) -> Dict[str, Any]:
        """The parameters, checked against :attr:`_parameter_constraints` (and the
        hidden sizes against the engine's widest layer), as the engine wants them."""
        settings = check_parameters(self._parameter_constraints, self.get_params(deep=False))
        hidden = self.hidden_layer_sizes
        if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
            hidden = (hidden,)
        try:
            hidden = tuple(hidden)
        except TypeError:
            raise TypeError(f"hidden_layer_sizes: expected a tuple of positive ints, got {hidden!r}") from None
        if settings["model"] == "mlp":
            if not hidden:
                raise ValueError(f"hidden_layer_sizes: expected a non-empty tuple of positive ints, got {hidden!r}")
            hidden = tuple(check_parameter("hidden_layer_sizes", h, [Interval(int, 1, "max_layer_width")])
                           for h in hidden)
        settings["hidden"] = hidden if settings["model"] == "mlp" else ()
        settings["step_size"] = 0.0 if settings["step_size"] is None else settings["step_size"]
        settings["exact"] = settings["exact"] is not False
        model = settings["model"]
        if settings["optimizer"] == "newton":
            refused = [(model != "logistic", f"model='logistic' (got {model!r})"),
                       (settings["method"] != "erm", f"method='erm' (got {settings['method']!r})"),
                       (settings["twin_penalty"] > 0, f"twin_penalty=0 (got {settings['twin_penalty']!r})"),
                       (settings["validation_fraction"] > 0,
                        f"validation_fraction=0 (got {settings['validation_fraction']!r})")]
            needs = [need for failed, need in refused if failed]
            if needs:
                raise ValueError("optimizer='newton' solves the convex problem of logistic regression under "
                                 "erm only; it needs " + ", ".join(needs) + ". Use optimizer='adam' otherwise.")
        if settings["privacy"] is not None:
            refused = [(settings["optimizer"] == "newton", f"optimizer='adam' or 'sgd' (got {settings['optimizer']!r})"),
                       (settings["validation_fraction"] > 0,
                        f"validation_fraction=0 (got {settings['validation_fraction']!r})"),
                       (settings["threshold"] == "mcc", "a numeric threshold (got 'mcc')"),
                       (settings["method"] == "sensei",
                        "a method other than sensei (its fair metric is fitted on the training rows without noise)")]
            needs = [need for failed, need in refused if failed]
            if needs:
                raise ValueError("privacy: DP-SGD releases only the noisy gradient steps (early stopping and an MCC "
                                 "threshold would choose on the training rows, Newton has no per-example clipping); "
                                 "it needs " + ", ".join(needs) + ".")
        return settings

    # ------------------------------------------------------------------ data
    def _actionable_columns(self) -> List[int]:
        """The encoded columns of the ``actionable`` nodes ([] for None: the engine then
        takes every perturbable column), each checked to be perturbable."""
        if self.actionable is None:
            return []
        if self.scm_ is None:
            raise ValueError("actionable: names nodes of the SCM, and there is none (scm=None); without an SCM "
                             "every input column is actionable")
        scm: SCM = self.scm_
        perturbable = set(scm.perturbable_)
        columns: List[int] = []
        for node in check_node_list(self.actionable, "actionable", scm.nodes_):
            own = [i for i in range(scm.schema_.slices[node].start, scm.schema_.slices[node].stop)
                   if scm.columns_[i] in perturbable]
            if not own:
                raise ValueError(f"actionable: {node!r} is not perturbable (a sensitive or immutable node, or a "
                                 "binary or categorical node the SCM keeps at hard codes): nobody can act on it here")
            columns += own
        return columns

    def _encode(self, X: Any, *, fitting: bool, encoded: bool = False,
                sample_weight: Optional[np.ndarray] = None) -> np.ndarray:
        """The engine's float64 feature matrix for ``X`` (checked in range of the
        fitted network when not fitting; when fitting without an SCM, standardized by
        the column means and stds weighted by ``sample_weight``). See the class Notes
        for the input forms."""
        if not isinstance(encoded, (bool, np.bool_)):
            raise TypeError(f"encoded: expected a bool, got {encoded!r}")
        if self.scm_ is not None:
            x = self._scm_features(X, fitting=fitting, encoded=bool(encoded))
            if fitting:
                if isinstance(X, pd.DataFrame) and not encoded:
                    self.feature_names_in_ = np.asarray(self.scm_.nodes_, dtype=object)
                self.n_features_in_ = len(self.scm_.nodes_)
            return x if fitting else self._check_encoded_rows(x)
        if encoded:
            raise ValueError("encoded=True: there is no SCM, so there is no encoding; pass the features as they are")
        if X is None or isinstance(X, (str, bytes)):
            raise TypeError(f"X: expected a 2-D array of numbers, got {type(X).__name__}")
        _check_numeric_columns(X)
        with np.errstate(over="ignore", invalid="ignore"):  # scikit-learn's finiteness check sums X
            x = validate_data(self, X, reset=fitting, dtype=np.float64, ensure_2d=True)
        if fitting:
            mean, scale = mean_and_std(x, sample_weight)
            self.mean_ = mean
            self.scale_ = np.where(scale > 0, scale, 1.0)
        with np.errstate(over="ignore"):
            standardized = (x - self.mean_) / self.scale_
        if not np.isfinite(standardized).all():
            raise ValueError("X: values too large for the standardization fitted on the training data "
                             "(they overflow to infinity)")
        standardized = np.ascontiguousarray(standardized)
        return standardized if fitting else self._check_encoded_rows(standardized)

    def _scm_features(self, X: Any, *, fitting: bool, encoded: bool) -> np.ndarray:
        """The SCM's encoded matrix of ``X``: a DataFrame of the SCM's nodes in user
        units, or with ``encoded`` the encoded matrix (an array, or a DataFrame with
        the columns ``scm_.columns_``). An array without ``encoded`` is refused when
        the estimator was (or is being) fitted on named columns."""
        scm: SCM = self.scm_
        if encoded:
            if isinstance(X, pd.DataFrame):
                X = check_frame(X, "X", scm.columns_).to_numpy()
            return scm._data(X, "X")[0]
        if isinstance(X, pd.DataFrame) or X is None or isinstance(X, (str, bytes, pd.Series)):
            return scm._data(X, "X")[0]  # a DataFrame in user units; the SCM refuses the others (TypeError)
        if not fitting and getattr(self, "feature_names_in_", None) is None:
            return scm._data(X, "X")[0]  # fitted with encoded=True on an array: arrays are encoded
        raise ValueError(
            f"X: expected a DataFrame with the SCM's nodes {list(scm.nodes_)} in the data's units, got "
            f"{type(X).__name__}: an array has no column names, so its columns cannot be matched to the "
            f"nodes. If it is the SCM's encoded matrix (scm.encode(df).to_numpy(), columns "
            f"{list(scm.columns_)}), pass encoded=True. If it comes from a transformer in a Pipeline (e.g. "
            "StandardScaler), drop the transformer: the SCM standardizes continuous nodes itself.")

    def _check_encoded_rows(self, x: np.ndarray) -> np.ndarray:
        """``x`` (the network's standardized inputs) when every value is within the
        magnitude the fitted network evaluates without overflow (the classifier's part
        of :class:`causalfair._encoded.EncodedEstimator`); otherwise a
        ValueError naming the first column beyond it (its prediction would be
        arbitrary: an overflowed sum can take either sign)."""
        limit = _models.input_limit(self._handle)
        magnitude = np.maximum(x.max(axis=0), -x.min(axis=0))
        beyond = np.flatnonzero(magnitude > limit)
        if beyond.size:
            j = int(beyond[0])
            names = (self.scm_.columns_ if self.scm_ is not None
                     else getattr(self, "feature_names_in_", None))
            column = repr(str(names[j])) if names is not None else f"{j}"
            raise ValueError(f"X: column {column} has a value of magnitude {magnitude[j]:.3g} in the model's "
                             f"standardized units, beyond {limit:.3g}, the largest the fitted network evaluates "
                             "without overflow (its prediction would be arbitrary); rescale that feature")
        return x

    def __sklearn_clone__(self) -> "FairRobustClassifier":
        # scikit-learn's clone would clone a fitted ``scm`` into an unfitted one, to be
        # refitted on every cross-validation fold; a fitted SCM is shared instead
        # (fit only reads it).
        if getattr(self.scm, "_handle", None) is None:
            unfitted: FairRobustClassifier = super().__sklearn_clone__()
            return unfitted
        params = self.get_params(deep=False)
        return type(self)(**{name: value if name == "scm" else clone(value, safe=False)
                             for name, value in params.items()})

    def _fitted_scm(self, X: Any, sample_weight: Optional[np.ndarray] = None) -> Any:
        """The fitted SCM: ``scm`` itself when fitted, else a clone fitted on ``X`` with
        ``sample_weight`` (None when there is no ``scm``)."""
        if self.scm is None:
            return None
        if not hasattr(self.scm, "twins") or not hasattr(self.scm, "fit"):
            raise TypeError(f"scm: expected a causalfair.SCM or None, got {type(self.scm).__name__}")
        if getattr(self.scm, "_handle", None) is not None:
            return self.scm
        if not isinstance(X, pd.DataFrame):
            raise ValueError("scm: the SCM is not fitted, so X must be a DataFrame to fit it on "
                             "(or pass a fitted SCM)")
        return clone(self.scm).fit(X, sample_weight=sample_weight)

    def _labels(self, y: Any, rows: int) -> np.ndarray:
        if y is None:
            raise ValueError("y: this classifier requires y to be passed, but the target y is None")
        y = column_or_1d(y, warn=True)
        if y.shape[0] != rows:
            raise ValueError(f"y: expected {rows} labels (one per row of X), got {y.shape[0]}")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError("y: expected finite labels, found NaN or inf")
        if y.dtype == object and pd.isna(y).any():
            raise ValueError("y: expected labels, found missing values")
        if y.dtype.kind in "biuf":
            # Two distinct values found without sorting (np.unique's cost), and the
            # label-type check run on them: for 1-D y its verdict is the same.
            low, high = y.min(), y.max()
            two = low == high or bool(np.logical_or(y == low, y == high).all())
            classes = np.unique(np.array([low, high], dtype=y.dtype)) if two else np.unique(y)
            # At most two integral values are binary targets; scikit-learn's check (a
            # large share of a fast fit's overhead) then has nothing to refuse.
            if not two or (y.dtype.kind == "f" and (classes != np.round(classes)).any()):
                check_classification_targets(classes)
        else:
            check_classification_targets(y)
            classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValueError(f"y: expected 2 classes, got 1 class ({classes.tolist()})")
        if classes.shape[0] > 2:
            raise ValueError(f"y: Only binary classification is supported. The type of the target is "
                             f"{type_of_target(y, input_name='y')} ({classes.shape[0]} classes, expected 2).")
        self.classes_ = classes
        labels: np.ndarray = (y == classes[1]).astype(np.float64)
        return labels

    # ------------------------------------------------------------------ fit / predict
    def fit(self, X: Any, y: Any, sample_weight: Any = None, *, encoded: bool = False) -> "FairRobustClassifier":
        """Train the model on ``X``, ``y``.

        Parameters
        ----------
        X : pandas.DataFrame or array of shape (n_samples, n_features)
            With an SCM: a DataFrame holding the SCM's nodes in the data's units (or,
            with ``encoded=True``, the SCM's encoded matrix). Without: numeric
            features.
        y : array-like of shape (n_samples,)
            Two classes (0/1, booleans or two labels).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights (positive sum); None: every row weighs 1. Each row's
            terms in the training objective (every method, and the twin penalty) and
            in the validation loss are multiplied by its weight, normalised to mean 1
            over the training rows, so a minibatch's loss estimates the weighted mean
            without bias; without an SCM the standardization of ``X`` uses the weighted
            column means and stds. ``optimizer="newton"`` minimises the weighted mean exactly:
            integer weights then give the model fitted on rows repeated that many
            times, zero weights the model fitted without those rows (with Adam/SGD
            this holds exactly when one batch holds every row, ``batch_size >=
            n_samples``, and ``validation_fraction=0``). An unfitted ``scm`` is fitted
            on ``X`` with the same weights (:meth:`causalfair.SCM.fit`, so the causal
            model describes the same weighted population as the classifier); a fitted
            one is used as it is. ``threshold="mcc"`` maximises the weighted MCC (as
            ``sklearn.metrics.matthews_corrcoef(sample_weight=)``). Refused with
            ``privacy`` (DP-SGD clips every example's gradient to the same norm, which
            would undo the weights).
        encoded : bool, default=False
            ``X`` is the SCM's encoded matrix (``scm.encode(df)``, as a DataFrame or
            an array); see the class Notes. Arrays are never taken as encoded
            without it.

        Returns
        -------
        self : FairRobustClassifier

        Raises
        ------
        ValueError
            Bad parameters, one class, NaN, missing SCM columns.
        TypeError
            Parameters or data of the wrong type.
        RuntimeError
            Training diverged (a non-finite loss or parameters): lower the learning
            rate, or rescale extreme features (the message gives the largest input in
            standardized units); or the unfitted ``scm`` could not be fitted (see
            :meth:`causalfair.SCM.fit`). The estimator is left unfitted.
        KeyboardInterrupt
            Ctrl-C between minibatches; the estimator is left unfitted.

        Notes
        -----
        Whatever stops a fit — bad input, divergence, Ctrl-C — leaves no fitted
        attribute behind (no ``classes_``, ``scm_``, ``feature_names_in_``...): the
        estimator is unfitted, also when it had been fitted before.
        """
        self._forget_fit()
        try:
            return self._fit(X, y, sample_weight, encoded)
        except BaseException:
            self._forget_fit()
            raise

    def _forget_fit(self) -> None:
        """Remove every fitted attribute (the estimator is then unfitted)."""
        for attribute in ("_handle", "classes_", "threshold_", "history_", "n_epochs_", "coef_",
                          "intercept_", "scm_", "mean_", "scale_", "n_features_in_", "feature_names_in_",
                          "_activation_", "epsilon_", "delta_", "noise_multiplier_", "total_epsilon_"):
            self.__dict__.pop(attribute, None)

    def _fit(self, X: Any, y: Any, sample_weight: Any, encoded: bool) -> "FairRobustClassifier":
        settings = self._settings()
        if sample_weight is not None and settings["privacy"] is not None:
            raise ValueError("sample_weight: expected None with privacy (DP-SGD clips every example's gradient to "
                             "the same norm, so a weight would not weigh it)")
        if encoded and self.scm is not None and getattr(self.scm, "_handle", None) is None:
            raise ValueError("encoded=True: the SCM is not fitted, so there is no encoding yet; fit the SCM "
                             "first, or pass X as a DataFrame of the SCM's nodes")
        weights = None if sample_weight is None else check_sample_weight(sample_weight, _num_samples(X))
        self.scm_ = self._fitted_scm(X, weights)
        settings["actionable_columns"] = self._actionable_columns()
        x = self._encode(X, fitting=True, encoded=encoded, sample_weight=weights)
        newton_features = LIMITS["max_newton_features"]
        if settings["optimizer"] == "newton" and x.shape[1] > newton_features:
            raise ValueError(f"optimizer='newton' takes at most {newton_features} features (it factorises a "
                             f"(d + 1)^2 Hessian every step); X has {x.shape[1]}. Use optimizer='adam'.")
        labels = self._labels(y, x.shape[0])
        if settings["method"] == "causal_at" and self.exact is True and not (
                settings["model"] == "logistic" and (self.scm_ is None or self.scm_._is_affine())):
            raise ValueError("exact=True: the closed form needs model='logistic' and a linear SCM")
        self._calibrate_privacy(settings, x.shape[0])
        seed = seed_from(self.random_state)
        init_seed, train_seed = (int(s) for s in np.random.default_rng(seed).integers(0, 2 ** 63, size=2))
        widths = (x.shape[1], *settings["hidden"], 1)
        handle = _models.new_model(widths, settings["activation"], init_seed)
        scm_handle = None if self.scm_ is None else self.scm_._handle
        with EpochBar(settings["epochs"], f"{settings['method']}", bool(self.verbose)) as bar:
            try:
                history, ran, converged = _models.train(handle, scm_handle, x, labels, settings, train_seed,
                                                        bar.callback, sample_weight=weights)
            except RuntimeError as exc:
                raise RuntimeError(f"{exc} (the largest input, in standardized units, has magnitude "
                                   f"{np.abs(x).max():.3g})") from None
        if converged is False:
            warnings.warn(f"optimizer='newton' stopped after {ran} steps with a gradient entry above tol="
                          f"{settings['tol']:g} (epochs={settings['epochs']} steps allowed). The classes may be "
                          "separable (the unpenalised optimum is then at infinity): set weight_decay > 0, "
                          "or raise epochs or tol.", ConvergenceWarning, stacklevel=2)
        threshold = settings["threshold"]
        self.threshold_ = (_models.mcc_threshold(_probability(_models.logits(handle, x)), labels, weights)
                           if threshold == "mcc" else threshold)
        self.history_ = pd.DataFrame(history, columns=["loss", "validation_loss"])
        self.history_.index.name = "epoch"
        self.n_epochs_ = ran
        if settings["privacy"] is not None:
            q, steps = _privacy.dp_sgd_steps(x.shape[0], settings["batch_size"], ran)
            self.epsilon_ = _privacy.dp_sgd_epsilon(settings["noise_multiplier"], q, steps, self.delta_)
            self.total_epsilon_ = self._total_epsilon(settings["noise_multiplier"], q, steps)
        self._activation_ = settings["activation"]
        if settings["model"] == "logistic":
            parameters = _models.parameters(handle)
            self.coef_ = parameters[:-1].reshape(1, -1)
            self.intercept_ = parameters[-1:].copy()
        self._handle = handle
        return self

    def _total_epsilon(self, noise_multiplier: float, sampling_rate: float, steps: int) -> float:
        """``total_epsilon_`` (see the class docstring): this run composed with the SCM's DP fit."""
        if self.scm_ is None:
            return self.epsilon_
        scm_runs = getattr(self.scm_, "dp_runs_", None)
        if scm_runs is None:  # an SCM fitted without privacy: a non-private release of its data
            return math.inf
        events = [_privacy.dp_sgd_event(noise_multiplier, [(sampling_rate, steps)])]
        if scm_runs:
            events.insert(0, _privacy.dp_sgd_event(self.scm_.noise_multiplier_, scm_runs))
        return _privacy.composed_epsilon(events, self.delta_)

    def _calibrate_privacy(self, settings: Dict[str, Any], rows: int) -> None:
        """With ``privacy``: δ (1 / (10 n) by default), the smallest σ meeting the target
        ε for this run's sampling rate and steps, and the clipping norm, into
        ``settings`` (the engine's ``noise_multiplier`` / ``max_grad_norm``) and
        ``delta_`` / ``noise_multiplier_``."""
        privacy = settings["privacy"]
        if privacy is None:
            return
        self.delta_ = _privacy.delta_for(privacy, rows)
        q, steps = _privacy.dp_sgd_steps(rows, settings["batch_size"], settings["epochs"])
        self.noise_multiplier_ = _privacy.calibrate_noise_multiplier(privacy["target_epsilon"], self.delta_, q, steps)
        settings["noise_multiplier"] = self.noise_multiplier_
        settings["max_grad_norm"] = privacy["max_grad_norm"]

    # ------------------------------------------------------------------ EncodedEstimator (internal)
    def _encode_rows(self, X: Any) -> np.ndarray:
        """See :class:`causalfair._encoded.EncodedEstimator`: ``X`` as the network's
        standardized inputs, within its overflow-free range, sensitive codes valid."""
        x = self._encode(X, fitting=False)
        return x if self.scm_ is None else self.scm_._check_encoded_rows(x)

    def _decode_rows(self, x: np.ndarray) -> pd.DataFrame:
        """See :class:`causalfair._encoded.EncodedEstimator`."""
        scm: Optional[SCM] = self.scm_
        if scm is not None:
            return scm._decode_rows(x)
        return pd.DataFrame(x * self.scale_ + self.mean_, columns=getattr(self, "feature_names_in_", None))

    def _is_affine(self) -> bool:
        """See :class:`causalfair._encoded.EncodedEstimator`: no hidden layer."""
        return len(_models.widths(self._handle)) == 2

    @property
    def _twin_labels(self) -> List[Any]:
        """See :class:`causalfair._encoded.EncodedEstimator`."""
        return [0] if self.scm_ is None else self.scm_._twin_labels

    def __sklearn_is_fitted__(self) -> bool:
        # The parameter ``lambda_`` ends in "_", so scikit-learn's default test (any
        # attribute ending in "_") would call an unfitted estimator fitted.
        return getattr(self, "_handle", None) is not None

    def _check_fitted(self) -> None:
        check_is_fitted(self)

    def decision_function(self, X: Any, *, encoded: bool = False) -> np.ndarray:
        """The logit g(x) of the positive class, per row.

        ``X`` as in :meth:`fit`; ``encoded=True`` when it is the SCM's encoded matrix
        (see the class Notes).

        Raises
        ------
        ValueError
            ``X`` has NaN or inf, or a value whose magnitude in the model's
            standardized units exceeds the largest the fitted network evaluates
            without overflow (the error names the column). The bound follows from the
            weights (each layer's absolute column sums; tanh layers reset it to 1), is
            about 1e307 for usual networks, and guarantees that no intermediate sum
            overflows — beyond it a logit could be ±inf with either sign, i.e. an
            arbitrary class. :meth:`predict`, :meth:`predict_proba` and
            :func:`causalfair.audit` check the same.
        """
        self._check_fitted()
        return _models.logits(self._handle, self._encode(X, fitting=False, encoded=encoded))

    def predict_proba(self, X: Any, *, encoded: bool = False) -> np.ndarray:
        """Class probabilities, shape (n_samples, 2), columns in ``classes_`` order
        (``encoded`` as in :meth:`decision_function`)."""
        p = _probability(self.decision_function(X, encoded=encoded))
        return np.column_stack([1 - p, p])

    def predict(self, X: Any, *, encoded: bool = False) -> np.ndarray:
        """``classes_[1]`` where the positive probability exceeds ``threshold_``
        (``encoded`` as in :meth:`decision_function`)."""
        p = _probability(self.decision_function(X, encoded=encoded))
        labels: np.ndarray = self.classes_[(p > self.threshold_).astype(int)]
        return labels

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> Dict[str, Any]:
        state = self.__dict__.copy()
        handle = state.pop("_handle", None)
        if handle is not None:
            state["_model_state"] = (_models.widths(handle).tolist(), self._activation_,
                                     _models.parameters(handle).tolist())
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        model_state = state.pop("_model_state", None)
        self.__dict__.update(state)
        if model_state is not None:
            widths, activation, parameters = model_state
            handle = _models.new_model(widths, activation, 0)
            _models.set_parameters(handle, parameters)
            self._handle = handle


def _check_numeric_columns(X: Any) -> None:
    """Without an SCM every feature is a number: a DataFrame column that is not
    (strings, categories) is refused by name, with what to do about it."""
    if not isinstance(X, pd.DataFrame):
        return
    bad = {str(c): str(dtype) for c, dtype in X.dtypes.items()
           if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))}
    if bad:
        raise ValueError(f"X: column(s) {list(bad)} are not numeric (dtypes {list(bad.values())}); without an SCM (scm=None) every feature must be "
                         "a number: encode them first (e.g. OneHotEncoder in a Pipeline), or pass an SCM, "
                         "which encodes binary and categorical nodes itself")


def _probability(logits: np.ndarray) -> np.ndarray:
    """σ(g), computed without overflow."""
    out = np.empty_like(logits)
    positive = logits >= 0
    out[positive] = 1 / (1 + np.exp(-logits[positive]))
    e = np.exp(logits[~positive])
    out[~positive] = e / (1 + e)
    return out


def _logit_threshold(threshold: float) -> float:
    """The logit at which the probability equals ``threshold``: ``predict`` is positive
    where the logit exceeds it. ``threshold="mcc"`` may put the threshold outside
    (0, 1) (an uninformative model predicting one class for everyone): then every
    finite logit is on the same side, and the largest float stands for ±∞."""
    if 0 < threshold < 1:
        return math.log(threshold / (1 - threshold))
    return -sys.float_info.max if threshold <= 0 else sys.float_info.max
