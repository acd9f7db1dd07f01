"""corpus.py - the text the CUA experiment trains and evaluates on: the King
James Version of the Bible (1611; public domain, its copyright expired, as
Debian's bible-kjv-text package states), read from the installed Debian
packages bible-kjv-text (the text) and bible-kjv (the `bible` program that
decodes it). Nothing of it is kept in the repository.

Split: the base model learns the Old Testament; the adapters are fine-tuned
on the New Testament less one chapter in ten, which is held out for
evaluation (a domain shift the adapters can close a little, as in the paper).

Not for: the model or the training (model.py, cua_lm.py).
"""
import re
import shutil
import subprocess

WHOLE = "Genesis1:1-Revelation22:21"
FIRST_NT_BOOK = "Mat"
HELD_OUT_EVERY = 10   # every 10th New Testament chapter is held out


def read_verses():
    """[(book, chapter, text)] of every verse, from `bible -f` (one verse per line: "Ge1:1 In the ...")."""
    exe = shutil.which("bible") or "/usr/games/bible"
    if not shutil.which(exe):
        raise SystemExit("cua-lm: the `bible` program is missing: install the Debian packages bible-kjv and "
                         "bible-kjv-text (make deps does)")
    out = subprocess.run([exe, "-f", WHOLE], stdin=subprocess.DEVNULL, capture_output=True, text=True, check=True)
    verses = []
    for line in out.stdout.splitlines():
        m = re.match(r"^(\S+?)(\d+):(\d+) (.*)$", line)
        if m:
            verses.append((m.group(1), int(m.group(2)), m.group(4).strip()))
    if len(verses) < 30000:
        raise SystemExit("cua-lm: `bible -f %s` gave %d verses, expected 31102" % (WHOLE, len(verses)))
    return verses


def split(verses):
    """(base_text, tune_text, heldout_text): the Old Testament; the New
    Testament without every HELD_OUT_EVERY-th chapter; those chapters."""
    base, tune, held = [], [], []
    in_nt, chapter_index, last = False, -1, None
    for book, chapter, text in verses:
        in_nt = in_nt or book == FIRST_NT_BOOK
        if (book, chapter) != last:
            last = (book, chapter)
            chapter_index += in_nt
        if not in_nt:
            base.append(text)
        elif chapter_index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1:
            held.append(text)
        else:
            tune.append(text)
    return "\n".join(base), "\n".join(tune), "\n".join(held)
