import pytest
import torch
from torch import nn

from course_utils.runtime import seed_everything
from course_utils.training import loop as train  # fit, evaluate, predict and the module-level HEADLESS_ENV


def blobs(n=200):
    """Two well separated classes in 2-D: any working training loop gets them right."""
    x = torch.cat([torch.randn(n, 2) + 3, torch.randn(n, 2) - 3])
    y = torch.cat([torch.zeros(n, dtype=torch.int64), torch.ones(n, dtype=torch.int64)])
    return x, y


def small_model():
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))


def test_fit_learns_and_records_history():
    seed_everything(0)
    data, model = blobs(), small_model()
    history = train.fit(model, data, val=data, epochs=3, lr=0.05, plot=False)
    assert len(history.train_loss) == len(history.val_accuracy) == 3
    assert history.train_loss[-1] < history.train_loss[0]
    assert train.evaluate(model, *data)[1] > 0.97
    assert history.seconds > 0


def test_fit_is_deterministic_after_seeding():
    runs = []
    for _ in range(2):
        seed_everything(1)
        model = small_model()
        train.fit(model, blobs(), epochs=2, plot=False)
        runs.append(torch.cat([p.flatten() for p in model.parameters()]))
    assert torch.equal(runs[0], runs[1])


def test_evaluate_matches_a_hand_count():
    model = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))  # predicts class 0 when x0 > x1
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    y = torch.tensor([0, 0, 0, 1])
    loss, accuracy = train.evaluate(model, x, y, batch_size=3)
    assert accuracy == 0.75
    assert loss == pytest.approx(nn.functional.cross_entropy(x, y).item(), rel=1e-6)


def test_predict_returns_probabilities():
    probabilities = train.predict(small_model(), torch.randn(7, 2), batch_size=3)
    assert probabilities.shape == (7, 2)
    assert torch.allclose(probabilities.sum(1), torch.ones(7))


def test_augment_sees_every_training_batch():
    seen = []

    def augment(xb):
        seen.append(len(xb))
        return xb

    train.fit(small_model(), blobs(50), epochs=1, batch_size=32, augment=augment, plot=False)
    assert sum(seen) == 100 and max(seen) == 32


def test_early_stopping_restores_the_best_weights():
    seed_everything(0)
    x, y = blobs(50)
    noisy_val = (x, 1 - y)  # labels flipped: validation loss rises as training succeeds
    model = small_model()
    history = train.fit(model, (x, y), val=noisy_val, epochs=20, lr=0.05, patience=2, one_cycle=False, plot=False)
    assert len(history.val_loss) < 20
    best = min(history.val_loss)
    assert train.evaluate(model, *noisy_val)[0] == pytest.approx(best, rel=1e-5)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"epochs": 0}, "must be at least 1"),
        ({"patience": 2}, "pass val="),
        ({"train": (torch.zeros(3, 2), torch.zeros(2, dtype=torch.int64))}, "3 inputs but 2 labels"),
    ],
)
def test_bad_arguments_say_how_to_fix_them(kwargs, words):
    arguments = {"train": blobs(5), **kwargs}
    with pytest.raises(ValueError, match=words):
        train.fit(small_model(), plot=False, **arguments)


def test_headless_flag(monkeypatch):
    monkeypatch.setenv(train.HEADLESS_ENV, "1")
    assert train.headless()
    monkeypatch.setenv(train.HEADLESS_ENV, "0")
    assert not train.headless()


def test_an_autoencoder_trains_with_mse_and_no_metric():
    seed_everything(0)
    x = torch.randn(64, 4)
    model = nn.Sequential(nn.Linear(4, 4))
    history = train.fit(model, (x, x), val=(x, x), epochs=30, lr=0.05, plot=False, loss_fn=nn.functional.mse_loss,
                        metric=None)
    assert history.metric is None and history.train_metric == [] and history.val_metric == []
    assert history.val_loss[-1] < history.val_loss[0] / 4
    loss, metric = train.evaluate(model, x, x, loss_fn=nn.functional.mse_loss, metric=None)
    assert metric is None and loss == pytest.approx(history.val_loss[-1], rel=1e-5)
    with pytest.raises(AttributeError, match="train_metric"):
        history.val_accuracy  # noqa: B018
    assert len(history.plot().axes) == 1


def test_targets_can_be_a_tuple_of_tensors_as_a_detector_needs():
    seed_everything(0)
    x, y = blobs(30)
    boxes = torch.randn(len(x), 4)

    def two_part_loss(output, targets):
        labels, wanted_boxes = targets
        assert len(labels) == len(wanted_boxes) == len(output)
        return nn.functional.cross_entropy(output[:, :2], labels) + nn.functional.mse_loss(output[:, 2:], wanted_boxes)

    def box_error(output, targets):
        return (output[:, 2:] - targets[1]).abs().mean().item()

    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 6))
    history = train.fit(model, (x, (y, boxes)), val=(x, (y, boxes)), epochs=3, batch_size=16, plot=False,
                        loss_fn=two_part_loss, metric=box_error)
    assert history.metric == "box_error" and len(history.val_metric) == 3


def test_predict_can_return_raw_outputs():
    model = small_model()
    x = torch.randn(5, 2)
    assert torch.allclose(train.predict(model, x, softmax=False), model(x).detach())
