"""Recognise a dropped file by its bytes and refuse what is unsafe to open.

Nothing here hands a file to calamine: we read magic bytes, the zip central directory and the
OLE2 directory. Bounding each xlsx sheet's cell range is `cell_guard`'s job.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from pathlib import Path

from pipeline import config

_MB = 1024 * 1024
_HEAD_BYTES = 64 * 1024
# A real workbook has a few hundred zip parts; a directory of millions of entries costs zipfile
# seconds and gigabytes before any size check can run.
_MAX_ZIP_ENTRIES = 10_000
# Sheet XML compresses about 10x; zeros and other bombs compress 1000x.
_MAX_RATIO = 200
_RATIO_FLOOR = 16 * _MB

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENDOFCHAIN = 0xFFFFFFFE

EMPTY = "文件为空（0 字节），请确认上传的是填好的普查表"
NO_DATA = "文件中没有任何数据（所有工作表均为空）"
NOT_SHEET = "不是电子表格文件{what}；请上传 .xlsx、.xls 或 .csv 格式的普查表"
ENCRYPTED = "文件已加密（设置了打开密码），无法读取；请在 Excel 中取消密码后另存，再上传"
CORRUPT = "文件已损坏或不完整，无法读取；请重新导出或重新下载后再上传"
UNSUPPORTED = "暂不支持{what}；请在 Excel 或 WPS 中另存为 .xlsx 后再上传"
HTML_TABLE = "文件实际是 XML 数据而不是表格，无法读取；请用 Excel 打开后另存为 .xlsx 再上传"
# WPS 表格's own format: an .et that is BIFF inside (as WPS long wrote it) is read as the .xls it is
WPS_NATIVE = (
    "暂不支持 WPS 表格专用格式（.et/.ett）；请在 WPS 中“另存为”Excel 工作簿（.xlsx）后再上传"
)
_WPS_SUFFIXES = (".et", ".ett")
BAD_ENCODING = "无法识别文本文件的编码（支持 UTF-8 与 GBK/GB18030）；请另存为 .xlsx 或 UTF-8 编码的 CSV 后再上传"

_BINARY_MAGICS = (
    (b"%PDF", "（识别为 PDF 文档）"),
    (b"\x89PNG", "（识别为图片）"),
    (b"\xff\xd8\xff", "（识别为图片）"),
    (b"GIF8", "（识别为图片）"),
    (b"Rar!", "（识别为 RAR 压缩包）"),
    (b"7z\xbc\xaf", "（识别为 7z 压缩包）"),
    (b"\x1f\x8b", "（识别为 gzip 压缩包）"),
    (b"{\\rtf", "（识别为 RTF 文档）"),
)
_ZIP_KINDS = (
    ("word/document.xml", "（识别为 Word 文档）"),
    ("ppt/presentation.xml", "（识别为 PowerPoint 演示文稿）"),
)


class FileRejected(Exception):
    """A whole file refused; `reason` is shown to the analyst as is."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def detect_format(path) -> str:
    """'xlsx', 'xls', 'ods', 'csv', 'html' (a web page's table, as systems export "Excel") or
    'spreadsheetml' (Excel 2003's XML Spreadsheet) from the file's bytes; raises FileRejected
    for anything else."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except FileNotFoundError:
        raise FileRejected("文件不存在或已被移走，请重新上传") from None
    except OSError:
        raise FileRejected("无法打开文件（没有读取权限，或文件正被其他程序占用）") from None
    if size == 0:
        raise FileRejected(EMPTY)
    if size > config.MAX_FILE_BYTES:
        raise FileRejected(
            f"文件过大（{size / _MB:.1f} MB，上限 {config.MAX_FILE_BYTES / _MB:.0f} MB），"
            "为安全起见未打开；请按乡镇或支部拆分后再上传"
        )
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path, size)
    if head.startswith(b"PK\x05\x06"):
        raise FileRejected(NOT_SHEET.format(what="（识别为空的 zip 压缩包）"))
    if head.startswith(_OLE2_MAGIC):
        return _ole2_kind(path)
    return _text_kind(head, complete=size <= len(head))


def _zip_kind(path: Path, size: int) -> str:
    with open(path, "rb") as fh:
        check_zip_directory(fh, size)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            check_zip_budget(infos)
            names = {info.filename for info in infos}
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "xl/workbook.bin" in names:
                raise FileRejected(UNSUPPORTED.format(what=" .xlsb（二进制工作簿）格式"))
            if "mimetype" in names and "content.xml" in names:
                with zf.open("mimetype") as fh:
                    if b"opendocument.spreadsheet" in fh.read(200):
                        return (
                            "ods"  # LibreOffice / WPS on 国产 systems: read in the contained child
                        )
            if path.suffix.lower() in _WPS_SUFFIXES:
                raise FileRejected(WPS_NATIVE)
            what = next((w for n, w in _ZIP_KINDS if n in names), "（识别为 zip 压缩包）")
            raise FileRejected(NOT_SHEET.format(what=what))
    except FileRejected:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        KeyError,
        zlib.error,
    ):
        raise FileRejected(CORRUPT) from None


def check_zip_directory(fh, size: int) -> None:
    """Refuse a central directory too large to parse, reading only the end-of-directory record."""
    tail_len = min(size, 22 + 65535 + 20)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise FileRejected(CORRUPT)
    entries = struct.unpack_from("<H", tail, at + 10)[0]
    if entries == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        # Zip64: the real count lives in the zip64 end record the locator points to.
        fh.seek(struct.unpack_from("<Q", tail, at - 12)[0])
        record = fh.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise FileRejected(CORRUPT)
        entries = struct.unpack_from("<Q", record, 32)[0]
    if entries > _MAX_ZIP_ENTRIES:
        raise FileRejected(f"文件结构异常（压缩包内有 {entries} 个部件），为安全起见未打开")


def check_zip_budget(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb from the central directory alone, before anything is inflated."""
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileRejected(ENCRYPTED)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRejected(UNSUPPORTED.format(what="该压缩方式"))
        total += info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > _MAX_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise FileRejected(
                f"文件压缩比异常（{info.filename} 解压后膨胀 {ratio:.0f} 倍），疑似压缩炸弹，为安全起见未打开"
            )
    if total > config.MAX_INFLATED_BYTES:
        raise FileRejected(
            f"文件解压后体积过大（约 {total / _MB:.0f} MB，上限 {config.MAX_INFLATED_BYTES / _MB:.0f} MB），"
            "疑似压缩炸弹，为安全起见未打开"
        )


def _ole2_kind(path: Path) -> str:
    try:
        names = {name.lower() for name in ole2_entry_names(path)}
    except (OSError, struct.error, IndexError):
        raise FileRejected(CORRUPT) from None
    if {"encryptioninfo", "encryptedpackage"} & names:
        raise FileRejected(ENCRYPTED)  # a password-protected xlsx is an OLE2 container
    if {"workbook", "book"} & names:
        return "xls"
    if "worddocument" not in names and path.suffix.lower() in _WPS_SUFFIXES:
        raise FileRejected(WPS_NATIVE)
    what = "（识别为 Word 文档）" if "worddocument" in names else ""
    raise FileRejected(NOT_SHEET.format(what=what))


def ole2_entry_names(path) -> list[str]:
    """Names in an OLE2 compound file's directory (MS-CFB), reading only FAT and directory sectors."""
    with open(path, "rb") as fh:
        header = fh.read(512)
        if len(header) < 512 or header[:8] != _OLE2_MAGIC:
            raise FileRejected(CORRUPT)
        shift = struct.unpack_from("<H", header, 30)[0]
        if shift not in (9, 12):
            raise FileRejected(CORRUPT)
        sector_size = 1 << shift
        fh.seek(0, 2)
        n_sectors = fh.tell() // sector_size
        n_fat, first_dir = struct.unpack_from("<II", header, 44)
        first_difat, n_difat = struct.unpack_from("<II", header, 68)
        if n_fat > n_sectors or n_difat > n_sectors:
            raise FileRejected(CORRUPT)

        def sector(index: int) -> bytes:
            fh.seek((index + 1) * sector_size)
            block = fh.read(sector_size)
            if index >= n_sectors or len(block) < sector_size:
                raise FileRejected(CORRUPT)
            return block

        fat_sectors = list(struct.unpack_from("<109I", header, 76))
        per_difat = sector_size // 4 - 1
        difat = first_difat
        for _ in range(n_difat):
            if difat >= _ENDOFCHAIN:
                break
            block = struct.unpack(f"<{per_difat + 1}I", sector(difat))
            fat_sectors.extend(block[:per_difat])
            difat = block[per_difat]
        fat: list[int] = []
        for index in fat_sectors[:n_fat]:
            fat.extend(struct.unpack(f"<{sector_size // 4}I", sector(index)))

        names, current = [], first_dir
        for _ in range(n_sectors):  # a cyclic chain must not loop forever
            if current >= _ENDOFCHAIN:
                return names
            block = sector(current)
            for at in range(0, sector_size, 128):
                length, kind = struct.unpack_from("<HB", block, at + 64)
                if kind in (1, 2, 5) and 2 <= length <= 64:
                    names.append(block[at : at + length - 2].decode("utf-16-le", "replace"))
            current = fat[current] if current < len(fat) else _ENDOFCHAIN
    raise FileRejected(CORRUPT)


def decode_text(data: bytes, final: bool = True) -> tuple[str, str] | None:
    """(text, encoding) trying UTF-8 (BOM or not) then GB18030, which covers GBK and GB2312."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            return codecs.getincrementaldecoder(encoding)().decode(data, final), encoding
        except UnicodeDecodeError:
            continue
    return None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SPREADSHEET_ML = "urn:schemas-microsoft-com:office:spreadsheet"
_MARKUP = ("<html", "<table", "<!doctype", "<?xml", _SPREADSHEET_ML)
_PAGE = ("<html", "<table", "<!doctype html")


def _text_kind(head: bytes, complete: bool) -> str:
    for magic, what in _BINARY_MAGICS:
        if head.startswith(magic):
            raise FileRejected(NOT_SHEET.format(what=what))
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    # Binary files are full of NUL bytes; a register with a stray NUL in one cell is still text
    # (the cell is cleaned field by field).
    if not utf16 and head.count(b"\x00") > max(4, len(head) // 2000):
        raise FileRejected(NOT_SHEET.format(what=""))
    decoded = decode_text(head, final=complete)
    if decoded is None:
        raise FileRejected(BAD_ENCODING)
    text = decoded[0]
    if len(_CONTROL.findall(text)) > max(2, len(text) // 100):
        raise FileRejected(NOT_SHEET.format(what=""))
    start = text.lstrip("\ufeff \t\r\n")[:4096].lower()
    if start.startswith("<") and any(marker in start for marker in _MARKUP):
        if _SPREADSHEET_ML in start:
            return "spreadsheetml"  # Excel 2003's XML Spreadsheet, saved as .xls or .xml
        if not any(tag in start for tag in _PAGE):
            raise FileRejected(HTML_TABLE)  # XML of some other kind
        return "html"
    if start.startswith("{") or (
        start.startswith("[") and start[1:].lstrip()[:1] in ("{", "[", '"')
    ):
        raise FileRejected(NOT_SHEET.format(what="（识别为 JSON 数据）"))
    if complete and not text.strip():
        raise FileRejected(NO_DATA)
    return "csv"
