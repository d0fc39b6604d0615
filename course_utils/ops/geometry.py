"""One axis of a convolution, as numbers: the output-size formula filled in, where the kernel lands.

Along each spatial axis a convolution's output has

    n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1

cells, for an input of ``n`` pixels, a kernel of ``k`` taps, stride ``s``, zero padding ``p``
on each side and dilation ``d`` (:func:`course_utils.ops.conv_output_size`). The helpers here
fill that rule in with numbers, list every kernel position, find the input cells no position
reads, and ask PyTorch for its answer.
"""

from __future__ import annotations

from course_utils.ops.conv import conv_output_size


def size_formula(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    r"""The output-size formula with the numbers filled in, as LaTeX (without dollar signs).

    Raises the ``ValueError`` of :func:`~course_utils.ops.conv.conv_output_size` when the
    kernel does not fit the padded input.

    >>> print(size_formula(5, 3, stride=2, padding=1).replace(" = ", "\n= "))
    \left\lfloor \frac{5 + 2 \cdot 1 - 1 \cdot (3 - 1) - 1}{2} \right\rfloor + 1
    = \left\lfloor \frac{4}{2} \right\rfloor + 1
    = 3
    """
    size = conv_output_size(n, kernel, stride, padding, dilation)
    top = n + 2 * padding - dilation * (kernel - 1) - 1
    return (
        rf"\left\lfloor \frac{{{n} + 2 \cdot {padding} - {dilation} \cdot ({kernel} - 1) - 1}}"
        rf"{{{stride}}} \right\rfloor + 1 = \left\lfloor \frac{{{top}}}{{{stride}}} \right\rfloor + 1 = {size}"
    )


def formula_text(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    """The same formula as plain text, for printing.

    >>> formula_text(5, 3, stride=2, padding=1)
    'floor((5 + 2*1 - 1*(3 - 1) - 1) / 2) + 1 = floor(4 / 2) + 1 = 3'
    """
    size = conv_output_size(n, kernel, stride, padding, dilation)
    top = n + 2 * padding - dilation * (kernel - 1) - 1
    start = f"floor(({n} + 2*{padding} - {dilation}*({kernel} - 1) - 1) / {stride}) + 1"
    return f"{start} = floor({top} / {stride}) + 1 = {size}"


def kernel_positions(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> list[list[int]]:
    """For each output cell, the padded-input cells its kernel taps read, along one axis.

    Padded cells are numbered ``0 .. n + 2p - 1``; the real input starts at ``p``.

    >>> kernel_positions(5, 3, stride=2)
    [[0, 1, 2], [2, 3, 4]]
    >>> kernel_positions(5, 2, dilation=3)
    [[0, 3], [1, 4]]
    """
    size = conv_output_size(n, kernel, stride, padding, dilation)
    return [[j * stride + u * dilation for u in range(kernel)] for j in range(size)]


def unused_cells(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> list[int]:
    """Real input cells (numbered ``0 .. n - 1``) that no kernel tap ever reads.

    The floor in the formula drops the last cells when the kernel cannot take one more
    whole step; a stride larger than the kernel's reach, or dilation with a stride, skips
    cells in between.

    >>> unused_cells(6, 3, stride=2)   # the sixth pixel: no third step fits
    [5]
    >>> unused_cells(7, 1, stride=3)
    [1, 2, 4, 5]
    """
    read = {cell - padding for taps in kernel_positions(n, kernel, stride, padding, dilation) for cell in taps}
    return [cell for cell in range(n) if cell not in read]


def pytorch_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int | None:
    """The output width that ``torch.nn.functional.conv2d`` really produces (None if it refuses).

    Runs one convolution of a ``1 x n`` zero image with a ``1 x k`` kernel, on one thread:
    on a busy machine, waking a second thread for so tiny a job costs milliseconds.
    """
    import torch
    import torch.nn.functional as F

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        out = F.conv2d(
            torch.zeros(1, 1, 1, n),
            torch.zeros(1, 1, 1, kernel),
            stride=(1, stride),
            padding=(0, padding),
            dilation=(1, dilation),
        )
    except RuntimeError:
        return None
    finally:
        torch.set_num_threads(threads)
    return int(out.shape[-1])
