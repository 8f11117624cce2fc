"""`python -m formcoach` runs the CLI."""

from formcoach.cli import main

main()
