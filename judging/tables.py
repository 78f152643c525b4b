"""Read CSV and XLSX uploads into rows of text, whatever Excel saved them as.

Pure: no Flask, no database.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

from judging.i18n import N_, said

MAX_ROWS = 20_000


class TableError(ValueError):
    """The file cannot be read as a table; the message is for the user, a
    ``Said`` to be said in the reader's language (``i18n.message_of``)."""


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]  # (spreadsheet row number, cells)


# Encodings a CSV is read in once the bytes prove it; anything else is refused.
_GB = ("gb18030", "gbk", "gb2312")
_BIG5 = ("big5", "cp950", "big5hkscs")
_JAPANESE_KOREAN = ("shift_jis", "cp932", "euc_jp", "euc_jis_2004", "cp949", "euc_kr")
_NAMES = {
    **dict.fromkeys(_BIG5, N_("Big5（繁体中文）")),
    "shift_jis": N_("Shift-JIS（日文）"), "cp932": N_("Shift-JIS（日文）"),
    "euc_jp": N_("EUC-JP（日文）"), "euc_jis_2004": N_("EUC-JP（日文）"),
    "cp949": N_("EUC-KR（韩文）"), "euc_kr": N_("EUC-KR（韩文）"),
}  # fmt: skip


def decode_text(data: bytes) -> str:
    """Decode a CSV only in an encoding the bytes prove: else refuse, naming it.

    Accepted: UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's
    "Unicode text"), and GB18030/GBK (what Excel in China saves as "CSV") when
    charset-normalizer finds it the better reading than Big5. A Big5 file decodes
    without error as GB18030 too, into other characters: a judge from 重慶大學
    would become an unknown outside body and escape the conflict rule, so it is
    refused, as is every other encoding.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TableError(
                N_("文件以 UTF-16 编码标记开头，但内容无法按 UTF-16 读取。")
            ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    readings = {
        m.encoding: m for m in from_bytes(data, cp_isolation=["gb18030", "big5"])
    }
    gb, big5 = readings.get("gb18030"), readings.get("big5")
    best = from_bytes(data).best()
    if gb is not None and (big5 is None or gb.chaos < big5.chaos):
        # Japanese or Korean text also decodes as GB18030, into nonsense that
        # charset-normalizer measures as more chaotic than the real reading.
        other = best is not None and best.encoding in _JAPANESE_KOREAN
        if not (other and best.chaos < gb.chaos):
            try:
                return data.decode("gb18030")
            except UnicodeDecodeError:
                pass
    if big5 is not None:
        found = big5.encoding
    else:
        found = best.encoding if best is not None else ""
    name = _NAMES.get(found, found) or N_("无法识别")
    raise TableError(
        said(
            N_(
                "文件编码为 %(name)s，系统只接受 UTF-8、GB18030（GBK）或 UTF-16 "
                "编码的 CSV。请在 Excel 中“另存为”“CSV UTF-8（逗号分隔）”后重新上传。"
            ),
            name=name,
        )
    )


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _normalise_header(cells: list[object], aliases: dict[str, str]) -> list[str]:
    names = []
    for cell in cells:
        key = _clean(cell).lower().replace(" ", "_")
        names.append(aliases.get(key, key))
    return names


def read_table(
    data: bytes, *, filename: str, columns: dict[str, str], required: set[str]
) -> Table:
    """Parse an uploaded CSV or XLSX file into numbered rows keyed by column name.

    `columns` maps every accepted header (Chinese or English, lower case) to the
    canonical name. A file missing a required column is refused as a whole.
    """
    if not data:
        raise TableError(N_("文件为空。"))
    if zipfile.is_zipfile(io.BytesIO(data)):
        raw_rows = _xlsx_rows(data)
    elif filename.lower().endswith((".xlsx", ".xls", ".xlsm")):
        raise TableError(N_("无法读取该 Excel 文件，请另存为 .xlsx 或 CSV 后重试。"))
    else:
        text = decode_text(data)
        if "\x00" in text:
            raise TableError(N_("文件不是文本格式的 CSV。"))
        try:
            raw_rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise TableError(
                said(N_("CSV 格式错误：%(error)s"), error=str(exc))
            ) from exc
    raw_rows = [r for r in raw_rows if any(_clean(c) for c in r)] if raw_rows else []
    if not raw_rows:
        raise TableError(N_("文件中没有表头。"))
    header = _normalise_header(list(raw_rows[0]), columns)
    missing = sorted(required - set(header))
    if missing:
        chinese = {}
        for header_name, canonical in columns.items():
            if not header_name.isascii():
                chinese.setdefault(canonical, header_name)
        names = "、".join(
            f"{chinese[m]}（{m}）" if m in chinese else m for m in missing
        )
        raise TableError(  # the English says only the English headers
            said(
                N_("缺少必需的列：%(names)s。"), names=names, columns=", ".join(missing)
            )
        )
    if len(raw_rows) > MAX_ROWS:
        raise TableError(said(N_("行数过多（上限 %(max)s 行）。"), max=MAX_ROWS))
    rows = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        cells = {
            name: _clean(raw[i]) if i < len(raw) else ""
            for i, name in enumerate(header)
            if name
        }
        rows.append((number, cells))
    return Table(header=tuple(header), rows=tuple(rows))


def _xlsx_rows(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > 200 * 1024 * 1024:
                raise TableError(N_("Excel 文件解压后过大。"))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except TableError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise TableError(N_("无法读取该 Excel 文件，文件可能已损坏。")) from exc
    sheet = book.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(list(row))
        if len(rows) > MAX_ROWS + 1:
            break
    book.close()
    return rows


SPLIT_LIST = re.compile(r"[|、;；,，/]+")


def split_list(value: str) -> list[str]:
    """Split a cell like "重医|重医大" or "重医、重医大" into its items."""
    return [v.strip() for v in SPLIT_LIST.split(value) if v.strip()]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection in exported text cells."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
