"""Course furniture: transcript lines with numbers that belong to no architecture and state
nothing the ledger could check (lecture titles and numbers, administrative slides, course dates,
the "last time" review, slide footers and page numbers, slide titles naming a network by its
number). This module registers no claims, only :func:`cnnlib.ledger.not_a_claim` entries.
"""
from __future__ import annotations

from cnnlib.ledger import not_a_claim

L17, NG, L23, MI, SE = "cs231n-2017", "survey-ng", "cs231n-2023", "eecs498-2022", "senet-deck"

_TITLE = "the lecture's title and number"
_ADMIN = "administrative slide: assignment and exam dates of that course's term"
_FOOTER = "slide footer: authors, lecture number, date and the slide's page number"
_PAGE = "the slide's page number"
_LENET_TITLE = "a slide title: the 5 names the network (LeNet-5); its claims are lenet's"

# ---- CS231n 2017, Lecture 9 ---------------------------------------------------------------------
not_a_claim(L17, "Lecture 9: CNN Architectures", _TITLE)
not_a_claim(L17, "Administrative A2 due Thu May 4 Midterm: In-class Tue May 9. Covers material "
                 "through Thu May 4 lecture. Poster session: Tue June 6, 12-3pm", _ADMIN)
not_a_claim(L17, "TensorFlow (Google) Caffe2 (Facebook) PyTorch (Facebook)",
            "'last time' review of deep learning frameworks: Caffe2 is a framework's name")
not_a_claim(L17, "(1) Easily build big computational graphs (2) Easily compute gradients in "
                 "computational graphs (3) Run it all efficiently on GPU (wrap cuDNN, cuBLAS, etc)",
            "'last time' review of deep learning frameworks: a numbered list")
not_a_claim(L17, "Review: LeNet-5 [LeCun et al., 1998]", _LENET_TITLE)
not_a_claim(L17, "Fei-Fei Li & Justin Johnson & Serena Yeung Lecture 9 - May 2, 2017Fei-Fei Li & "
                 "Justin Johnson & Serena Yeung Lecture 9 - May 2, 201758", _FOOTER)
not_a_claim(L17, "Other architectures to know... 91 Network in Network (NiN) 92 [Lin et al. 2014]",
            "the page numbers (91, 92) of two section slides")

# ---- survey deck (CS231n + Andrew Ng) -----------------------------------------------------------
not_a_claim(NG, "Some slides were adapted/taken from various sources, including Andrew Ng's "
                "Coursera Lectures, CS231n", "the deck's credits (CS231n is a course's number)")
not_a_claim(NG, "# LeNet-5 [LeCun et al., 1998]", _LENET_TITLE)

# ---- CS231n 2023, Lecture 6 ---------------------------------------------------------------------
not_a_claim(L23, "Lecture 6: CNN Architectures", _TITLE)
not_a_claim(L23, "Review: LeNet-5 [LeCun et al., 1998]", _LENET_TITLE)

# ---- Michigan EECS 498-007 2022, Lecture 8 -------------------------------------------------------
not_a_claim(MI, "Lecture 8: CNN Architectures", _TITLE)
not_a_claim(MI, "Assignment 3 Lecture 8 - 2 Assignment 3 is released! It covers:", _ADMIN)
not_a_claim(MI, "Due Friday February 11, 11:59pm ET", _ADMIN)
not_a_claim(MI, "We will see more in Lecture 11", "a pointer to a later lecture of the course")

# ---- SENet deck ---------------------------------------------------------------------------------
not_a_claim(SE, "Assignment 2 ¡ Assignment 2 is released. The deadline is 18:00, 13rd November.",
            _ADMIN)
not_a_claim(SE, "discussion. J 69", _PAGE + " (the closing slide)")
