"""The column headings a 答辩 score file may use (read, never written: "评委" is
accepted as the panel member's column)."""

DEFENSE_COLUMNS = {
    "作品编号": "entry_code", "编号": "entry_code", "匿名编号": "entry_code",
    "entry_code": "entry_code", "code": "entry_code",
    "评委": "member", "答辩评委": "member", "评审专家": "member", "member": "member",
    "答辩分": "points", "答辩成绩": "points", "分数": "points", "得分": "points",
    "points": "points", "score": "points",
}  # fmt: skip
