"""The engine's raw matrix product (``_engine.matrix_multiply``): numpy's answer,
checked shapes and dtypes, empty sizes."""
import numpy as np
import pytest

from causalfair import _engine


def test_matches_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((37, 11)), rng.standard_normal((11, 5))
    out = np.full((37, 5), np.nan)
    _engine.matrix_multiply(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)


def test_empty_inner_dimension_gives_zeros():
    out = np.full((3, 2), np.nan)
    _engine.matrix_multiply(np.empty((3, 0)), np.empty((0, 2)), out)
    assert np.array_equal(out, np.zeros((3, 2)))


@pytest.mark.parametrize("a, b, out", [
    (np.ones((2, 3)), np.ones((4, 2)), np.empty((2, 2))),   # inner sizes differ
    (np.ones((2, 3)), np.ones((3, 2)), np.empty((2, 3))),   # out of the wrong shape
])
def test_shape_mismatch_is_a_value_error(a, b, out):
    with pytest.raises(ValueError, match="do not match"):
        _engine.matrix_multiply(a, b, out)


def _read_only(shape):
    out = np.empty(shape)
    out.flags.writeable = False
    return out


@pytest.mark.parametrize("a, b, out", [
    (np.ones((2, 3), dtype=np.float32), np.ones((3, 2)), np.empty((2, 2))),  # float32
    (np.ones((2, 3)), np.ones((3, 4))[:, ::2], np.empty((2, 2))),             # not C-contiguous
    (np.ones((2, 3)), np.ones((3, 2)), _read_only((2, 2))),                   # read-only output
    (np.ones(3), np.ones((3, 2)), np.empty((1, 2))),                          # 1-D
])
def test_wrong_dtype_layout_or_rank_is_a_type_error(a, b, out):
    with pytest.raises(TypeError):
        _engine.matrix_multiply(a, b, out)


def test_an_output_sharing_memory_with_an_input_is_refused():
    """The product's pieces read all of a and b while others write rows of out: shared
    memory would make the bits depend on the thread count, so it is refused."""
    b = np.random.default_rng(1).standard_normal((300, 300))
    with pytest.raises(ValueError, match="shares memory with b"):
        _engine.matrix_multiply(np.eye(300), b, b, 2)
    a = np.random.default_rng(2).standard_normal((300, 300))
    with pytest.raises(ValueError, match="shares memory with a"):
        _engine.matrix_multiply(a, np.eye(300), a[:, :], 2)
