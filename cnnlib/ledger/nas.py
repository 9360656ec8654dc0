"""Lecture claims about neural architecture search: none with a number.

The five transcripts mention architecture search only in passing: CS231n 2023 lists "NASNet"
among the networks of its summary, and the SENet deck has a "NAS" slide ("Train another
network by reinforcement learning to learn to design good network architecture", after Zoph &
Le 2016, arXiv:1611.01578) and names "Model architecture searching" as a direction. None of
these lines states a number (search budgets in GPU-days, NASNet, MnasNet, AmoebaNet or RegNet
sizes and accuracies appear in the book, from ``cnnlib``'s models and :mod:`cnnlib.published`,
not in the lectures), so this topic registers no claim. Michigan defers the subject to its
Lecture 11.
"""
from __future__ import annotations

from cnnlib.ledger import not_a_claim

not_a_claim("eecs498-2022", "We will see more in Lecture 11",
            "a pointer to a later lecture of the course (its Lecture 11 covers the efficient "
            "networks and architecture search); no claim")
