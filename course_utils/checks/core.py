"""The shared core of the exercise checkers: one skeleton that runs a student's function and explains it.

Every checker in this package works the same way. It calls the student's function on cases from
simple to hard, stops at the first one that comes out wrong, and says in plain words what went
wrong and the likely cause; the last line of a good run is a verdict such as "All 15 cases passed:
...". What differs from one exercise to the next lives in the exercise's own module (its cases,
how one result is judged, its catalogue of typical mistakes); what is the same lives here:

* :class:`CheckResult`, what every checker returns (and prints, unless ``verbose=False``);
* :func:`run_checks`, the skeleton: numbered checks in order, the first problem explained, the verdict;
* :func:`run_cases` and :class:`Exercise`, the skeleton for the usual kind of exercise, where each
  case is one call of the student's function;
* :func:`not_written_yet`, the uniform diagnosis of a function that is still the exercise's stub;
* small helpers the explanations share: comparing values, naming the first wrong value, printing
  arrays, listing the likely causes.

Words used throughout: a *case* is one call of the student's function; a *problem* is what went
wrong in one case, in words ("" when the case passed); a *mistake* is a pair ``(outcome, text)``:
what a typical slip produces in a case (a shape, an array, a number) and what to tell the student
about it. A mistake whose outcome equals the right answer in a case cannot be the cause there.
"""

from __future__ import annotations

import dis
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import numpy as np
import torch

RTOL = ATOL = 1e-4  # lenient enough for a float32 solution
_SHOW_AT_MOST = 36  # print whole outputs up to this many numbers

Mistake = tuple[Any, str]  # what a typical slip produces in a case, and what to tell the student


@dataclass(frozen=True)
class CheckResult:
    """What a check found. True in an ``if`` or ``assert`` when every case passed."""

    passed: bool
    cases_passed: int
    cases_total: int
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message


class CheckStopped(Exception):
    """Ends a check at once; the exception's text is the whole message (a stub, a model that cannot be built)."""


# ----------------------------------------------------------------------------------------
# The skeleton
# ----------------------------------------------------------------------------------------


def run_checks(
    problems: Iterable[str],
    total: int,
    heading: Callable[[int], str],
    all_passed: Callable[[], str],
    verbose: bool,
) -> CheckResult:
    """Go through ``problems`` in order and stop at the first one that is not empty.

    ``problems`` is lazy: the n-th is worked out only when the first n - 1 passed, and working it
    out may raise :class:`CheckStopped`, whose text then becomes the message. A failure's message
    is ``heading(n)``, a new line, and the problem; when all ``total`` pass it is ``all_passed()``.
    Prints the message unless ``verbose`` is false.

    >>> result = run_checks(["", "2 is not 3.", ""], 3, "Check {} of 3 failed.".format, lambda: "All fine.", True)
    Check 2 of 3 failed.
    2 is not 3.
    >>> result.passed, result.cases_passed, result.cases_total
    (False, 1, 3)
    """
    passed = 0
    try:
        for problem in problems:
            if problem:
                return _report(CheckResult(False, passed, total, f"{heading(passed + 1)}\n{problem}"), verbose)
            passed += 1
    except CheckStopped as stop:
        return _report(CheckResult(False, passed, total, str(stop)), verbose)
    return _report(CheckResult(True, total, total, all_passed()), verbose)


def _report(result: CheckResult, verbose: bool) -> CheckResult:
    if verbose:
        print(result.message)
    return result


class Arguments(NamedTuple):
    """The arguments of one call of the student's function: ``fn(*args, **kwargs)``."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class Case(Protocol):
    """One case of an exercise: what :func:`run_cases` needs from it."""

    name: str  # what the case tries, in words: "padding 1: the 4x4 image and edge kernel"

    def arguments(self) -> Arguments:
        """Fresh copies of the inputs, so that a function that changes them cannot spoil the next case."""
        ...

    def call(self) -> str:
        """The call in words, for "We called ...": ``fn(x, kernel_size=2, stride=2) with x of shape (1, 4, 4)``."""
        ...


C = TypeVar("C", bound=Case)


def _no_hint(case: Any, error: Exception) -> str:
    """An exercise without hints for errors: nothing to add to the error itself."""
    return ""


@dataclass(frozen=True)
class Exercise(Generic[C]):
    """What :func:`run_cases` needs to know about one exercise."""

    cases: Callable[[], Sequence[C]]  # the cases, simple first
    judge: Callable[[C, Any, Arguments], str]  # the problem with a result (not None), "" when it is right
    usage: str  # said when the function cannot be called with the case's arguments
    all_passed: str  # the verdict after "All 15 cases passed: "
    error_hint: Callable[[C, Exception], str] = _no_hint  # what an error raised in a case likely means
    returns: str = "the output"  # what the function returns, for "did you forget to return the output?"


def run_cases(fn: Callable[..., Any], exercise: Exercise[Any], verbose: bool) -> CheckResult:
    """Run ``fn`` on the exercise's cases, simple first, and explain the first one it gets wrong.

    The message of a failure is "Case n of N failed: <the case's name>.", then "We called ...",
    then the problem; a stub gets the :func:`not_written_yet` message instead.
    """
    cases = exercise.cases()
    return run_checks(
        (try_case(fn, case, exercise) for case in cases),
        len(cases),
        heading=lambda number: f"Case {number} of {len(cases)} failed: {cases[number - 1].name}.",
        all_passed=lambda: f"All {len(cases)} cases passed: {exercise.all_passed}",
        verbose=verbose,
    )


def try_case(fn: Callable[..., Any], case: C, exercise: Exercise[C]) -> str:
    """Empty if ``fn`` gets ``case`` right; else "We called ..." and what went wrong, in words.

    Raises :class:`CheckStopped` with the :func:`not_written_yet` message when ``fn`` is still a stub.
    """
    given = case.arguments()
    try:
        result = fn(*given.args, **given.kwargs)
    except NotImplementedError as error:
        raise CheckStopped(not_written_yet(fn, error)) from None
    except Exception as error:  # whatever it is, the student needs to see it
        hint = _error_hint(case, error, exercise)
        problem = f"Your function raised {type(error).__name__}: {error}" + (f"\n{hint}" if hint else "")
    else:
        if stub := not_written_yet(fn, result):
            raise CheckStopped(stub)
        if result is None:
            problem = f"Your function returned None: did you forget to return {exercise.returns}?"
        else:
            problem = exercise.judge(case, result, given)
    return f"We called {case.call()}.\n{problem}" if problem else ""


def array_judge(
    explain_shape: Callable[[Any, tuple[int, ...], tuple[int, ...]], str],
    explain_values: Callable[[Any, np.ndarray, np.ndarray], str],
) -> Callable[[Any, Any, Arguments], str]:
    """The judge of an exercise whose answer is an array, ``case.expected()``.

    A result that is not array-like is named; a wrong shape is explained by
    ``explain_shape(case, got_shape, expected_shape)``, wrong values by
    ``explain_values(case, got, expected)``.
    """

    def judge(case: Any, result: Any, given: Arguments) -> str:
        got = float_array(result)
        if got is None:
            return not_an_array(result)
        expected = case.expected()
        if got.shape != expected.shape:
            return explain_shape(case, got.shape, expected.shape)
        return "" if same(got, expected) else explain_values(case, got, expected)

    return judge


def _error_hint(case: C, error: Exception, exercise: Exercise[C]) -> str:
    if isinstance(error, TypeError) and "argument" in str(error):
        return exercise.usage
    return exercise.error_hint(case, error)


# ----------------------------------------------------------------------------------------
# Not written yet
# ----------------------------------------------------------------------------------------

_THEN = "run that cell, then run this check again."


def not_written_yet(fn: object, outcome: object) -> str:
    """The message for a function that is still the exercise's stub; "" when ``outcome`` shows real code.

    ``outcome`` is what ``fn`` raised or returned. A stub raises ``NotImplementedError``, returns
    ``...``, or has an empty body (only a docstring, ``...`` or ``pass``), so that it returns None.

    >>> def to_chw(image):
    ...     '''(H, W, C) in, (C, H, W) out.'''
    ...     ...
    >>> print(not_written_yet(to_chw, to_chw(None)))  # doctest: +ELLIPSIS
    Not written yet: to_chw has no code yet (its body is only ... or pass, so it returns None). Write your code...
    >>> not_written_yet(lambda image: None, None)  # a lambda is written code, even when it returns None
    ''
    """
    name = _student_name(fn)
    if isinstance(outcome, NotImplementedError):
        return (
            f"Not written yet: {name} still raises NotImplementedError ({outcome}). "
            f"Replace the raise line with your code, {_THEN}"
        )
    if outcome is Ellipsis:
        return f"Not written yet: {name} still returns ..., the placeholder. Replace it with your code, {_THEN}"
    if outcome is None and _has_empty_body(fn):
        return (
            f"Not written yet: {name} has no code yet (its body is only ... or pass, so it returns None). "
            f"Write your code there, {_THEN}"
        )
    return ""


def _student_name(fn: object) -> str:
    """The name the student gave ``fn``: a function's name, a model's class, else "your function"."""
    name = getattr(fn, "__name__", None)
    if isinstance(name, str):
        return name
    return type(fn).__name__ if isinstance(fn, torch.nn.Module) else "your function"


def _has_empty_body(fn: object) -> bool:
    """Whether ``fn`` (or a model's ``forward``) has only a docstring, ``...`` or ``pass`` in its body.

    A lambda never counts: its body is an expression the student wrote.

    >>> def stub(x):
    ...     '''Write me.'''
    ...     ...
    >>> _has_empty_body(stub), _has_empty_body(lambda x: None), _has_empty_body(print)
    (True, False, False)
    """
    code = _code_of(fn)
    return code is not None and code.co_name != "<lambda>" and _steps(code) == _steps(_empty.__code__)


def _empty() -> None:
    """A body that does nothing: what every stub compiles to."""


def _code_of(fn: object) -> CodeType | None:
    if isinstance(fn, torch.nn.Module):
        fn = type(fn).forward
    fn = getattr(fn, "__func__", fn)  # a bound method: its function
    return getattr(fn, "__code__", None)


def _steps(code: CodeType) -> list[tuple[str, object]]:
    """The bytecode of ``code``, without the steps that do nothing, so that a docstring makes no difference."""
    return [(step.opname, step.argval) for step in dis.get_instructions(code) if step.opname not in ("RESUME", "NOP")]


# ----------------------------------------------------------------------------------------
# Helpers for the explanations
# ----------------------------------------------------------------------------------------


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shapes and equal values, to the checkers' tolerance (``b`` is the reference).

    >>> same(np.array([1.0, 2.0]), np.array([1.0, 2.00001])), same(np.zeros(2), np.zeros(3))
    (True, False)
    """
    return a.shape == b.shape and np.allclose(a, b, rtol=RTOL, atol=ATOL)


def float_array(result: object) -> np.ndarray | None:
    """``result`` as a float64 NumPy array, or None when it is not a number, a nested list or an array."""
    try:
        return np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def not_an_array(result: object, wanted: str = "an array") -> str:
    """What to say when the function returned something that is not ``wanted``.

    >>> not_an_array("3")
    'Your function returned a str, not an array.'
    """
    return f"Your function returned a {type(result).__name__}, not {wanted}."


def show_array(a: np.ndarray) -> str:
    """An array as NumPy prints it, to 3 decimals, with round-off dust shown as 0."""
    return np.array2string(a, precision=3, suppress_small=True)


def first_difference(
    got: np.ndarray, expected: np.ndarray, number: Callable[[Any], str] = "{:.4g}".format
) -> tuple[tuple[int, ...], str]:
    """The index of the first wrong value, and a sentence that counts the wrong values and names the first.

    >>> index, said = first_difference(np.array([[1.0, 5.0], [3.0, 0.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> index
    (0, 1)
    >>> print(said)
    The shape (2, 2) is right, but 2 of 4 values differ. The first is output[0, 1]: expected 2, got 5.
    """
    wrong = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL)
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    said = (
        f"The shape {expected.shape} is right, but {wrong.sum()} of {wrong.size} values differ. "
        f"The first is output[{', '.join(map(str, first))}]: expected {number(expected[first])}, "
        f"got {number(got[first])}."
    )
    return first, said


def expected_and_got(expected: np.ndarray, got: np.ndarray) -> list[str]:
    """Both outputs in full, when they are small enough to read (else nothing)."""
    if expected.size > _SHOW_AT_MOST:
        return []
    return [f"Expected:\n{show_array(expected)}", f"Got:\n{show_array(got)}"]


def lost_channel_axis(got: tuple[int, ...], expected: tuple[int, ...], keep: str, three_d: str) -> str:
    """What to say about a (C, H_out, W_out) output that lost its channel axis (``keep``) or is not 3D (``three_d``).

    Empty when ``got`` has three axes.
    """
    if len(got) == 2 and got == expected[1:]:
        return keep
    if len(got) != 3:
        return three_d
    return ""


def possible_mistakes(
    mistakes: Iterable[Mistake], right: Any, equal: Callable[[Any, Any], bool] = same
) -> list[Mistake]:
    """The mistakes that change the answer in this case; the others (no bias, stride 1, ...) cannot be the cause.

    >>> possible_mistakes([(4, "forgot the + 1"), (5, "forgot the padding")], right=5, equal=int.__eq__)
    [(4, 'forgot the + 1')]
    """
    return [(outcome, text) for outcome, text in mistakes if not equal(outcome, right)]


def likely_causes(got: Any, mistakes: Iterable[Mistake], equal: Callable[[Any, Any], bool] = same) -> list[str]:
    """What to say about each mistake that produces exactly what the student's function returned."""
    return [text for outcome, text in mistakes if equal(got, outcome)]


def with_causes(said: str, causes: Iterable[str]) -> str:
    """``said``, then one "Likely cause: ..." line per cause.

    >>> print(with_causes("Your output is 1 too small.", ["you forgot the + 1."]))
    Your output is 1 too small.
    Likely cause: you forgot the + 1.
    """
    return said + "".join(f"\nLikely cause: {cause}" for cause in causes)
