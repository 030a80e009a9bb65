"""A message as the rules expect to read it: traditional Chinese characters in simplified form, colloquial
question words in their standard form, and a typo in a task verb ("traslate", "extarct") corrected.

Only the routing reads this form; the text a task gets is the message as typed.
"""

from __future__ import annotations

import re

# The traditional forms of the characters the rules look for (请帮我翻譯成英文, 第二頁, 這張圖寫了什麼).
_SIMPLIFIED = str.maketrans(
    "請幫譯這個張頁寫麼識別讀圖裡說語韓國發據號碼開單稅額檔錄轉換顯數內們總計價錢問嗎為體簡將從對檢",
    "请帮译这个张页写么识别读图里说语韩国发据号码开单税额档录转换显数内们总计价钱问吗为体简将从对检",
)
_COLLOQUIAL = ((re.compile(r"啥"), "什么"), (re.compile(r"甚么"), "什么"))

# The words that name a task: a word one slip away from one of them is taken for it.
_TASK_WORDS = ("translate", "translation", "transcribe", "extract")
_WORD = re.compile(r"[A-Za-z]{6,}")


def normalize(text: str) -> str:
    text = text.translate(_SIMPLIFIED)
    for pattern, standard in _COLLOQUIAL:
        text = pattern.sub(standard, text)
    return _WORD.sub(lambda m: _corrected(m.group()), text)


def _corrected(word: str) -> str:
    low = word.lower()
    for known in _TASK_WORDS:
        # "translated", "extracts": an inflected form is a word of its own, not a slip
        if low.startswith(known) or known.startswith(low):
            return word
        if _one_slip(low, known):
            return known
    return word


def _one_slip(a: str, b: str) -> bool:
    """a and b differ by one letter left out, added, changed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])  # fmt: skip
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
