"""The ε of a DP-SGD run by our accountant (dp-accounting) and by Opacus' for the same
run (σ, q, steps, δ): they must agree. Skipped without opacus (optional: needs torch,
``pip install opacus`` with the local torch CPU wheel)."""

from __future__ import annotations

import pytest

from causalfair import privacy

pytest.importorskip("dp_accounting", reason="privacy needs dp-accounting (pip install dp-accounting)")
accountants = pytest.importorskip("opacus.accountants", reason="the Opacus comparison needs opacus (pip install opacus)")


@pytest.mark.filterwarnings("ignore:Optimal order is the smallest alpha")
@pytest.mark.parametrize("sigma, q, steps, delta", [(0.88, 100 / 36177, 3620, 1 / 361770), (1.1, 0.01, 10_000, 1e-5),
                                                     (0.6, 0.25, 12, 1e-4), (3.0, 0.1, 1000, 1e-6)])
def test_opacus_and_dp_accounting_report_the_same_epsilon_for_a_run(sigma, q, steps, delta):
    ours = privacy.dp_sgd_epsilon(sigma, q, steps, delta)
    opacus = accountants.RDPAccountant()
    opacus.history = [(sigma, q, steps)]
    # The same Rényi orders: the two implementations of the subsampled Gaussian's RDP and
    # of the conversion to (ε, δ) agree to rounding.
    assert opacus.get_epsilon(delta, alphas=[float(a) for a in privacy._ORDERS]) == pytest.approx(ours, rel=1e-9)
    # Opacus' default orders include fractional ones below 11, so its minimum can only
    # be lower where those help; never far from ours.
    default = opacus.get_epsilon(delta)
    assert default == pytest.approx(ours, rel=0.05)


def test_calibrated_sigma_meets_the_target_by_opacus_accountant_too():
    q, steps, delta = privacy.dp_sgd_steps(36177, 100, 10) + (1 / 361770,)
    sigma = privacy.calibrate_noise_multiplier(3.0, delta, q, steps)
    opacus = accountants.RDPAccountant()
    opacus.history = [(sigma, q, steps)]
    assert opacus.get_epsilon(delta) <= 3.0 * (1 + 1e-9)
