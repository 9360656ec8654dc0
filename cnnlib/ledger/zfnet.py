"""Lecture claims about ZFNet (Zeiler & Fergus, "Visualizing and Understanding Convolutional
Networks", arXiv:1311.2901, ECCV 2014).

``zfnet()`` is the paper's Fig. 3 model, ``zfnet_cs231n()`` the lectures' 512-1024-512 variant
(the paper's Table 2), ``alexnet()`` the network ZFNet changes; all built on the meta device.
Error rates come from :data:`cnnlib.published.ILSVRC_WINNERS`.
"""
from __future__ import annotations


from cnnlib.ledger import claim, not_a_claim
from cnnlib.ledger._shared import meta_model as _model

L17, NG, L23, MI, SE = "cs231n-2017", "survey-ng", "cs231n-2023", "eecs498-2022", "senet-deck"
_ZF = "ZFNet [Zeiler and Fergus, 2013] (AlexNet but:)"
_CONV1 = "CONV1: change from (11x11 stride 4) to (7x7 stride 2)"
_CONV345 = "CONV3,4,5: instead of 384, 384, 256 filters use 512, 1024, 512"




def _conv(name: str, i: int):
    return getattr(_model(name).body, f"conv{i}")


@claim(key="zfnet-conv1", topic="zfnet", quantity="ZFNet's CONV1 vs AlexNet's",
       stated={"AlexNet kernel": "11", "AlexNet stride": "4", "ZFNet kernel": "7",
               "ZFNet stride": "2"},
       method="kernel_size and stride of conv1 of alexnet() and of zfnet() (paper Fig. 3)",
       sources=[(L17, _ZF, _CONV1), (NG, _ZF, _CONV1), (MI, "ZFNet: A Bigger AlexNet", _CONV1),
                (SE, "ZFNet (Improve AlexNet by:)", _CONV1)])
def _conv1() -> dict[str, int]:
    a, z = _conv("alexnet", 1), _conv("zfnet", 1)
    return {"AlexNet kernel": a.kernel_size[0], "AlexNet stride": a.stride[0],
            "ZFNet kernel": z.kernel_size[0], "ZFNet stride": z.stride[0]}


@claim(key="zfnet-conv345-widths", topic="zfnet", status="wrong", erratum="zfnet-conv345-widths",
       quantity="ZFNet's CONV3-5 filters vs AlexNet's",
       stated={"AlexNet CONV3": "384", "AlexNet CONV4": "384", "AlexNet CONV5": "256",
               "ZFNet CONV3": "512", "ZFNet CONV4": "1024", "ZFNet CONV5": "512"},
       method="out_channels of conv3-conv5 of alexnet() and of zfnet() (the paper's Fig. 3 model)",
       why="ZFNet (Fig. 3) keeps AlexNet's 384, 384, 256 filters in conv3-5; 512, 1024, 512 is "
           "a wider variant of the paper's Table 2 (zfnet_cs231n()).",
       sources=[(L17, _ZF, _CONV345), (NG, _ZF, _CONV345),
                (MI, "ZFNet: A Bigger AlexNet", _CONV345),
                (SE, "ZFNet (Improve AlexNet by:)", _CONV345)])
def _conv345() -> dict[str, int]:
    out = {}
    for net, name in (("AlexNet", "alexnet"), ("ZFNet", "zfnet")):
        out.update({f"{net} CONV{i}": _conv(name, i).out_channels for i in (3, 4, 5)})
    return out


@claim(key="zfnet-top5-error", topic="zfnet", unit="%",
       quantity="ImageNet top-5 error, AlexNet -> ZFNet (ILSVRC 2013)",
       stated={"AlexNet": "16.4%", "ZFNet": "11.7%"},
       method="cnnlib.published.ILSVRC_WINNERS: AlexNet's 5-CNN ensemble (Krizhevsky et al. "
              "2012, Table 2, test) and the ILSVRC 2013 winning entry (Clarifai, Zeiler's "
              "company, 11.7%). The ZFNet paper's own best ensemble scores 14.8% (arXiv:1311.2901, "
              "Table 2); 11.7% is the challenge entry the lectures credit to ZFNet",
       sources=[(L17, _ZF, "ImageNet top 5 error: 16.4% -> 11.7%"),
                (NG, _ZF, "ImageNet top 5 error: 16.4% -> 11.7%"),
                (MI, "ZFNet: A Bigger AlexNet", "ImageNet top 5 error: 16.4% -> 11.7%")])
def _top5() -> dict[str, float]:
    from cnnlib.published import ILSVRC_WINNERS

    alexnet = next(e for e in ILSVRC_WINNERS if e.year == 2012 and "5 CNNs" in e.team)
    zf = next(e for e in ILSVRC_WINNERS if e.year == 2013)
    return {"AlexNet": alexnet.top5_error, "ZFNet": zf.top5_error}


not_a_claim(SE, "Image source: Zeiler, Matthew D., and Rob Fergus. \"Visualizing and understanding "
                "convolutional networks.\" In European conference on computer vision, pp. 818-833. "
                "Springer, Cham, 2014.",
            "the figure's citation (page numbers of the proceedings)")
