"""Fixtures of the book tests: the example book simulated once per test session."""

from __future__ import annotations

import pytest

from addin.book.book import Book, read_book
from addin.book.report import PathStory, worst_paths
from addin.book.run import BookResult, simulate_book
from tests.deals import EXAMPLES

#: Paths and seed of the example book's run in the tests (two blocks: quick, with a tail).
EXAMPLE_PATHS, EXAMPLE_SEED = 2048, 5


@pytest.fixture(scope="session")
def example_book() -> Book:
    return read_book(EXAMPLES / "gpu_book.csv")


@pytest.fixture(scope="session")
def example_result(example_book: Book) -> BookResult:
    return simulate_book(example_book, EXAMPLE_PATHS, EXAMPLE_SEED)


@pytest.fixture(scope="session")
def example_stories(example_result: BookResult) -> list[PathStory]:
    return worst_paths(example_result)
