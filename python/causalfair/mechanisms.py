"""Mechanism choices for the non-root nodes of an SCM.

Every non-root node ``V`` has an additive-noise mechanism ``V := f(Pa(V)) + U`` on its
encoded columns; these small value objects say which ``f`` to fit. Pass them (or the
strings ``"linear"`` / ``"mlp"``) as ``SCM(mechanism=...)``, globally or per node.
:class:`ExpressionMechanism` is the exception: a known, exact (and possibly
post-nonlinear) mechanism that is not fitted, for reference SCMs.
"""

from __future__ import annotations

import ast
import numbers
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Dict, List, NoReturn, Sequence, Tuple, Union

from .validation import LIMITS, Interval, check_parameter, check_parameters

__all__ = ["LinearMechanism", "MLPMechanism", "ExpressionMechanism", "Mechanism", "as_mechanism"]


def _nonnegative_float(name: str, value: Any, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {value!r}")
    number = float(value)
    if not number == number or number in (float("inf"), float("-inf")) or number < 0 \
            or (positive and number == 0):
        kind = "a positive" if positive else "a non-negative"
        raise ValueError(f"{name}: expected {kind} finite number, got {number!r}")
    return number


@dataclass(frozen=True)
class LinearMechanism:
    """Linear mechanism ``f(pa) = W pa + b``, fitted by (ridge) least squares.

    Parameters
    ----------
    ridge : float, default=0.0
        L2 penalty on the weights (not the intercept); a small value keeps the fit
        well posed when parents are collinear (e.g. the one-hot columns of a
        categorical parent together with the intercept).

    Examples
    --------
    >>> LinearMechanism(ridge=1e-6)
    LinearMechanism(ridge=1e-06)
    """

    ridge: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "ridge", _nonnegative_float("ridge", self.ridge))

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "LinearMechanism", "ridge": self.ridge}


@dataclass(frozen=True)
class MLPMechanism:
    """Multilayer perceptron mechanism with tanh hidden layers, fitted by Adam.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer (at least one layer).
    epochs : int, default=10
        Passes over the training data.
    learning_rate : float, default=0.01
        Adam step size.
    batch_size : int, default=100
        Minibatch size (capped by the number of rows).

    Examples
    --------
    >>> MLPMechanism(hidden_layer_sizes=(32, 32), epochs=50)
    MLPMechanism(hidden_layer_sizes=(32, 32), epochs=50, learning_rate=0.01, batch_size=100)
    """

    hidden_layer_sizes: Tuple[int, ...] = (100,)
    epochs: int = 10
    learning_rate: float = 0.01
    batch_size: int = 100

    #: Allowed values (each hidden size; the engine's bounds by the names of its limits).
    _parameter_constraints: ClassVar[Dict[str, List[Any]]] = {
        "hidden_layer_sizes": [Interval(int, 1, "max_mechanism_hidden_width")],
        "epochs": [Interval(int, 1, "max_mechanism_epochs")],
        "batch_size": [Interval(int, 1, None)],
    }

    def __post_init__(self) -> None:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise TypeError("hidden_layer_sizes: expected a tuple of positive ints, got "
                            f"{self.hidden_layer_sizes!r}") from None
        if not sizes:
            raise ValueError("hidden_layer_sizes: expected at least one hidden layer")
        layers = len(sizes)
        check_parameter("number of hidden layers", layers, [Interval(int, 1, "max_mechanism_hidden_layers")])
        sizes = tuple(check_parameter("hidden_layer_sizes", s, self._parameter_constraints["hidden_layer_sizes"])
                      for s in sizes)
        object.__setattr__(self, "hidden_layer_sizes", sizes)
        checked = check_parameters({k: self._parameter_constraints[k] for k in ("epochs", "batch_size")},
                                   {"epochs": self.epochs, "batch_size": self.batch_size})
        object.__setattr__(self, "epochs", checked["epochs"])
        object.__setattr__(self, "batch_size", checked["batch_size"])
        object.__setattr__(self, "learning_rate",
                           _nonnegative_float("learning_rate", self.learning_rate, True))

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "MLPMechanism", "hidden_layer_sizes": list(self.hidden_layer_sizes),
                "epochs": self.epochs, "learning_rate": self.learning_rate,
                "batch_size": self.batch_size}


#: Engine operations of expression programs, by the names of ``_engine.CODES["op"]``.
_BINARY_OPS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide"}
_FUNCTIONS = ("square", "relu", "sigmoid", "tanh", "exp", "log")
_OUTER = ("identity", "sigmoid", "tanh", "exp")


@dataclass(frozen=True)
class ExpressionMechanism:
    """A known mechanism ``V := offset + scale · outer(f(Pa) + U)``, not fitted.

    ``f`` is a Python expression over the node's parents (continuous or binary
    parents, by name) with ``+ - * /``, ``**`` with a non-negative integer exponent,
    unary minus, numbers, and the functions ``sigmoid``, ``tanh``, ``exp``, ``log``,
    ``relu``, ``square`` and ``max(x, 0)``. With ``outer="identity"`` (default) the
    mechanism is additive, ``V := f(Pa) + U``; otherwise it is post-nonlinear and
    abduction inverts ``outer``. Values are in the SCM's encoded units, so an SCM with
    expression mechanisms needs ``standardize=False``.

    Parameters
    ----------
    expression : str
        ``f``, e.g. ``"S - X1**2"``.
    outer : {"identity", "sigmoid", "tanh", "exp"}, default="identity"
    offset, scale : float, default 0.0 and 1.0
        ``V = offset + scale · outer(t)``; scale must be non-zero.

    Examples
    --------
    >>> ExpressionMechanism("-1 + 0.5*G + sigmoid(0.1*A)", outer="sigmoid", offset=-0.5)
    ExpressionMechanism(expression='-1 + 0.5*G + sigmoid(0.1*A)', outer='sigmoid', offset=-0.5, scale=1.0)
    """

    expression: str
    outer: str = "identity"
    offset: float = 0.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.expression, str):
            raise TypeError(f"expression: expected a string, got {self.expression!r}")
        if self.outer not in _OUTER:
            raise ValueError(f"outer: expected one of {list(_OUTER)}, got {self.outer!r}")
        for name in ("offset", "scale"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value \
                    or value in (float("inf"), float("-inf")):
                raise ValueError(f"{name}: expected a finite number, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.scale == 0:
            raise ValueError("scale: expected a non-zero number")
        self.variables()  # parse now: syntax errors surface at construction

    def _tree(self) -> ast.expr:
        try:
            return ast.parse(self.expression, mode="eval").body
        except SyntaxError as exc:
            raise ValueError(f"expression: {self.expression!r} is not a valid expression ({exc.msg})") from None

    def variables(self) -> List[str]:
        """The names the expression reads, in order of first use."""
        names: List[str] = []
        self._compile(self._tree(), None, [], names)
        return names

    def program(self, inputs: Sequence[str]) -> List[Dict[str, Any]]:
        """The engine program, in postfix, with ``inputs`` the node's parent columns:
        one ``cf_expression_op`` (``{"op", "argument", "constant"}``) per operation."""
        ops: List[Dict[str, Any]] = []
        self._compile(self._tree(), list(inputs), ops, [])
        return ops

    def _compile(self, node: ast.expr, inputs: Any, ops: List[Dict[str, Any]], names: List[str]) -> None:
        def fail(what: str) -> NoReturn:
            raise ValueError(f"expression {self.expression!r}: {what} is not supported")

        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            ops.append(_operation("constant", constant=float(node.value)))
        elif isinstance(node, ast.Name):
            if node.id not in names:
                names.append(node.id)
            if inputs is not None:
                if node.id not in inputs:
                    raise ValueError(f"expression {self.expression!r}: {node.id!r} is not a parent of the node "
                                     f"(parents: {list(inputs)})")
                ops.append(_operation("input", argument=inputs.index(node.id)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            self._compile(node.operand, inputs, ops, names)
            if isinstance(node.op, ast.USub):
                ops.append(_operation("negate"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = node.right
            largest = LIMITS["max_power"]
            if not (isinstance(exponent, ast.Constant) and isinstance(exponent.value, int)
                    and not isinstance(exponent.value, bool) and 0 <= exponent.value <= largest):
                fail(f"a power other than a whole number in [0, {largest}]")
            self._compile(node.left, inputs, ops, names)
            ops.append(_operation("power", argument=exponent.value))
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPS:
            self._compile(node.left, inputs, ops, names)
            self._compile(node.right, inputs, ops, names)
            ops.append(_operation(_BINARY_OPS[type(node.op)]))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            name, args = node.func.id, node.args
            if name == "max" and len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value == 0:
                args, name = args[:1], "relu"
            if name not in _FUNCTIONS or len(args) != 1:
                fail(f"the call {name}(...)")
            self._compile(args[0], inputs, ops, names)
            ops.append(_operation(name))
        else:
            fail(f"{type(node).__name__}")

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "ExpressionMechanism", "expression": self.expression, "outer": self.outer,
                "offset": self.offset, "scale": self.scale}


def _operation(op: str, argument: int = 0, constant: float = 0.0) -> Dict[str, Any]:
    """One operation of an engine program (the fields of ``cf_expression_op``)."""
    return {"op": op, "argument": argument, "constant": constant}


Mechanism = Union[LinearMechanism, MLPMechanism, ExpressionMechanism]


def as_mechanism(value: Any, name: str = "mechanism") -> Mechanism:
    """``"linear"``, ``"mlp"``, a mechanism object, or its ``to_dict()`` -> mechanism."""
    if isinstance(value, (LinearMechanism, MLPMechanism, ExpressionMechanism)):
        return value
    if isinstance(value, str):
        if value == "linear":
            return LinearMechanism()
        if value == "mlp":
            return MLPMechanism()
    classes: Dict[str, Callable[..., Mechanism]] = {
        "LinearMechanism": LinearMechanism, "MLPMechanism": MLPMechanism, "ExpressionMechanism": ExpressionMechanism}
    if isinstance(value, dict) and value.get("type") in classes:
        kwargs = {k: v for k, v in value.items() if k != "type"}
        return classes[value["type"]](**kwargs)
    raise ValueError(f"{name}: expected 'linear', 'mlp', a LinearMechanism, an MLPMechanism or an "
                     f"ExpressionMechanism, got {value!r}")
