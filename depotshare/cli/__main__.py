"""`python -m depotshare.cli`, as the tests and benchmarks start the command."""

from depotshare.cli import main

main()
