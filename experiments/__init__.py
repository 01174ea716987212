"""Experiments: the command line, sweeps, sensitivity analysis, validation and reports."""
