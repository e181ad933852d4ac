"""The learned scorer: deterministic fits, and stored weights that retraining reproduces."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

import numpy as np

from assistant.config import PROJECT_ROOT
from assistant.scorer import dump_models, fit, load_models


def training_script() -> ModuleType:
    path = PROJECT_ROOT / "scripts" / "train_scorer.py"
    spec = importlib.util.spec_from_file_location("train_scorer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_retraining_reproduces_the_stored_weights() -> None:
    from assistant.engine import packaged_models
    from assistant.training import fit_models, read_rows

    script = training_script()
    data = read_rows(script.DATA_DIR)
    assert {"shipped", "external-dev", "faq", "staffeng"} <= set(data)
    refit = json.loads(dump_models(fit_models(data, packaged_models())))
    stored = json.loads(script.WEIGHTS.read_text(encoding="utf-8"))
    for model in ("unit", "question", "passage"):
        assert refit[model]["features"] == stored[model]["features"]
        for key in ("mean", "scale", "weights"):
            np.testing.assert_allclose(refit[model][key], stored[model][key], atol=1e-6)
        assert abs(refit[model]["bias"] - stored[model]["bias"]) < 1e-6
    assert abs(refit["abstain_below"] - stored["abstain_below"]) < 1e-6
    assert load_models().question.features == tuple(stored["question"]["features"])


def test_a_fit_is_deterministic_and_sets_the_penalised_gradient_to_zero() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(300, 3)) * [1.0, 5.0, 0.1] + [0.0, 2.0, -1.0]
    y = (x @ [1.5, -0.4, 8.0] + rng.normal(size=300) > -6.0).astype(float)
    first, second = fit(x, y, ("a", "b", "c"), l2=0.5), fit(x, y, ("a", "b", "c"), l2=0.5)
    assert first == second
    z = (x - first.mean) / first.scale
    p = first.probabilities(x)
    gradient = z.T @ (p - y) + 0.5 * np.asarray(first.weights)  # independent of the solver
    assert np.max(np.abs(gradient)) < 1e-6 and abs(float(np.sum(p - y))) < 1e-6
    assert first.weights[0] > 0 and first.weights[1] < 0 and first.weights[2] > 0


def test_the_refusal_threshold_refuses_about_the_allowed_share_of_answerable_questions() -> None:
    from assistant.config import TUNING
    from assistant.training import fit_threshold

    answerable = np.array([1] * 100 + [0] * 20)
    probabilities = np.concatenate([np.linspace(0.3, 0.99, 100), np.linspace(0.01, 0.5, 20)])
    threshold = fit_threshold(probabilities, answerable)
    refused = probabilities < threshold
    share = np.sum(refused & (answerable == 1)) / 100
    assert abs(share - TUNING.max_false_refusals) <= 0.01
    assert np.sum(refused & (answerable == 0)) >= 1


def test_too_few_answerable_questions_for_the_quantile_refuse_none_of_them() -> None:
    from assistant.training import fit_threshold

    for probabilities in ([0.5], [0.2, 0.9], list(np.linspace(0.3, 0.9, 20))):
        threshold = fit_threshold(np.array(probabilities), np.ones(len(probabilities)))
        assert threshold == min(probabilities)


def test_one_changed_question_barely_moves_the_refusal_threshold() -> None:
    """The doubted answerable questions lie far apart: the threshold is a weighted mean
    of the order statistics near the quantile, not the one at it, which jumps a gap."""
    from assistant.training import fit_threshold

    tail = [0.1, 0.12, 0.14, 0.16]
    rest = list(np.linspace(0.6, 0.99, 96))
    answerable = np.ones(100, dtype=int)
    before = fit_threshold(np.array(tail + rest), answerable)
    after = fit_threshold(np.array([*tail[:-1], 0.7, *rest]), answerable)
    order_statistic_move = 0.6 - 0.16  # the 4th lowest of 100, before and after
    assert 0 < after - before < order_statistic_move / 2
