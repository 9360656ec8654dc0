"""Errata about the ImageNet challenge (ILSVRC) results."""
from cnnlib.errata import erratum


@erratum(key="ilsvrc-2012-winner", topic="ilsvrc", lecture="eecs498-2022",
         where="ImageNet Classification Challenge (bar chart), 2012: Krizhevsky et al (AlexNet)",
         claim="16.4",
         why="16.4% is AlexNet's 5-CNN ensemble trained on ILSVRC-2012 data only. The entry that "
             "won ILSVRC 2012 averaged 7 CNNs, two of them pre-trained on the 2011 Fall ImageNet "
             "release, and scored 15.3% (Krizhevsky et al. 2012, Table 2). Every other bar on "
             "the chart is a winning entry (or VGG, the 2014 runner-up).")
def _ilsvrc_2012() -> str:
    from cnnlib.published import ILSVRC_WINNERS

    rows = [e for e in ILSVRC_WINNERS if e.year == 2012]
    return "; ".join(f"{e.team}: {e.top5_error}% ({e.source})" for e in rows)
