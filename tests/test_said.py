"""A message said in the reader's language survives a round trip through JSON."""

from __future__ import annotations

import json

import numpy as np

from judging.i18n import Said, restored, said, say, stored

ENGLISH = {
    "第 %(n)s 轮：%(text)s": "Round %(n)s: %(text)s",
    "作品 %(code)s 不参与排名：%(reason)s": "Entry %(code)s is not ranked: %(reason)s",
}


def _english(msgid: str) -> str:
    return ENGLISH.get(msgid, msgid)


def test_said_round_trips_through_json_nested_and_with_numpy_numbers():
    inner = said("作品 %(code)s 不参与排名：%(reason)s", code="ZW-1", reason="抄袭")
    outer = said("第 %(n)s 轮：%(text)s", n=np.int64(2), text=inner)

    back = restored(json.loads(json.dumps(stored(outer), ensure_ascii=False)))

    assert isinstance(back, Said)
    assert back == "第 2 轮：作品 ZW-1 不参与排名：抄袭"
    assert say(back, _english) == "Round 2: Entry ZW-1 is not ranked: 抄袭"


def test_plain_strings_and_old_stored_rows_pass_through():
    assert stored("旧的说明") == "旧的说明"
    assert restored("旧的说明") == "旧的说明"
    assert restored({"other": 1}) == {"other": 1}
