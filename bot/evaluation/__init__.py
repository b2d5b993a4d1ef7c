"""Evaluation harness: question sets -> answers -> metrics, report and CI gate."""
