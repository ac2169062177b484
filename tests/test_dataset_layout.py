"""The CSV reader and the value parsers, including property-based tests (hypothesis)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thumbnail_lab.dataset.layout import MAX_FIELD_CHARS, REQUIRED_COLUMNS, DatasetError, format_csv, read_csv_rows
from thumbnail_lab.dataset.validate import ValueProblem, parse_count, parse_date, parse_table

# Any Unicode text except NUL and lone surrogates (which UTF-8 cannot encode).
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _write(rows: list[list[str]], newline: str = "\n", bom: bool = False, header=REQUIRED_COLUMNS) -> Path:
    path = Path(tempfile.mkdtemp()) / "metadata.csv"
    text = format_csv(header, rows, newline)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _valid_row(i: int, title: str = "t") -> list[str]:
    return [f"images/v{i}.jpg", f"v{i}", "UC1", title, str(1000 + i), "2021-02-03", "120"]


@SETTINGS
@given(st.lists(st.lists(TEXT, min_size=7, max_size=7), max_size=8),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_reader_returns_every_field_exactly(rows, newline, bom):
    """Any text (emoji, RTL, combining marks, quotes, commas, line breaks) round-trips through a CSV."""
    table = read_csv_rows(_write(rows, newline, bom))
    assert table.header == list(REQUIRED_COLUMNS)
    assert table.rows == rows and not table.rejections
    assert table.row_numbers == list(range(2, 2 + len(rows)))


@SETTINGS
@given(st.binary(max_size=300))
def test_reader_never_crashes_on_arbitrary_bytes(data):
    path = Path(tempfile.mkdtemp()) / "metadata.csv"
    path.write_bytes(data)
    try:
        table = read_csv_rows(path)
    except DatasetError as err:
        assert str(path) in str(err)
    else:
        assert len(table.rows) + len(table.rejections) >= 0


GARBAGE = {"views": ["-1", "1.5", "", "1.2M", "abc", "nan", " 12 3"],
           "upload_date": ["", "abc", "2021-13-45", "nan", "03/02/2021"],
           "duration_s": ["-1", "", "abc", "nan", "inf", "1:30"],
           "video_id": ["", "../x", "a b", "x/y", "v0\u202e"]}


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=6), st.data())
def test_titles_survive_parsing_and_one_bad_value_rejects_only_its_row(titles, data):
    rows = [_valid_row(i, title) for i, title in enumerate(titles)]
    bad = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.sampled_from(sorted(GARBAGE)))
    garbage = data.draw(st.sampled_from(GARBAGE[column]))
    rows[bad][REQUIRED_COLUMNS.index(column)] = garbage
    frame, rejections = parse_table(read_csv_rows(_write(rows)))
    assert [r.row for r in rejections] == [bad + 2]
    assert rejections[0].column == column
    assert list(frame["title"]) == [t for i, t in enumerate(titles) if i != bad]


@given(st.text(max_size=25))
@settings(max_examples=200, deadline=None)
def test_parse_count_accepts_only_plain_non_negative_integers(text):
    try:
        value = parse_count(text, "views")
    except ValueProblem as err:
        assert "views" in str(err)
    else:
        assert value >= 0 and text.strip().isascii() and text.strip().isdigit() and value == int(text.strip())


@pytest.mark.parametrize("text, fragment", [("-5", "negative"), ("12.5", "not a whole number"), ("", "blank"),
                                            ("1.2M", "abbreviated"), ("3k", "abbreviated"), ("inf", "finite"),
                                            ("12abc", "not a number"), ("9" * 40, "implausibly large")])
def test_parse_count_reasons(text, fragment):
    with pytest.raises(ValueProblem, match=fragment):
        parse_count(text, "views")


def test_parse_date_forms():
    assert str(parse_date("2021-02-03", "d").date()) == "2021-02-03"
    assert str(parse_date("20210203", "d").date()) == "2021-02-03"
    assert str(parse_date("2024-06-01T00:00:00Z", "d").date()) == "2024-06-01"
    for bad in ("yesterday", "2021-02-30", "1850-01-01"):
        with pytest.raises(ValueProblem):
            parse_date(bad, "upload_date")


def test_header_errors_name_file_and_row(tmp_path):
    path = tmp_path / "metadata.csv"
    path.write_text("file_name,video_id,title\nx,y,z\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"metadata.csv: row 1 \(header\) lacks required column\(s\) 'channel_id'"):
        read_csv_rows(path)
    path.write_text(",".join(REQUIRED_COLUMNS + ("mystery",)) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="unknown column.*'mystery'"):
        read_csv_rows(path)
    assert read_csv_rows(path, extra_columns="drop").header == list(REQUIRED_COLUMNS)
    assert read_csv_rows(path, extra_columns="keep").header[-1] == "mystery"
    path.write_text(",".join(REQUIRED_COLUMNS + ("views",)) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="repeats column"):
        read_csv_rows(path)
    path.write_bytes(b"\xff\xfef\x00i\x00")
    with pytest.raises(DatasetError, match="UTF-16"):
        read_csv_rows(path)
    path.write_bytes(",".join(REQUIRED_COLUMNS).encode() + b"\na,b,\xe9t\xe9,d,1,2021-01-01,3\n")
    with pytest.raises(DatasetError, match="line 2 is not valid UTF-8"):
        read_csv_rows(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(DatasetError, match="empty"):
        read_csv_rows(path)


def test_row_level_problems_are_rejections_with_row_and_line(tmp_path):
    rows = [_valid_row(0), _valid_row(1, "x\x00y"), _valid_row(2, "T" * (MAX_FIELD_CHARS + 1)), ["too", "few"],
            _valid_row(4, "multi\nline title"), _valid_row(5)]
    table = read_csv_rows(_write(rows))
    reasons = {r.row: r.reason for r in table.rejections}
    assert "NUL" in reasons[3] and "characters (the limit" in reasons[4] and "2 fields" in reasons[5]
    assert table.row_numbers == [2, 6, 7]
    assert table.line_numbers == [2, 6, 8]  # the multi-line title pushes the last row one line down
    assert table.rows[1][3] == "multi\nline title"


def test_python_csv_writer_pitfall_is_avoided():
    """csv.writer(lineterminator="\\n") leaves a lone \\r unquoted; format_csv quotes it."""
    text = format_csv(["a", "b"], [["x", "one\rtwo"]])
    assert text == 'a,b\nx,"one\rtwo"\n'


# ----- causes named correctly (each of these was once reported as something else) -----------------------

@pytest.mark.parametrize("text, fragment", [("1e6", "exponent notation"), ("1.5E3", "exponent notation"),
                                            ("12.0", "decimal point"), ("1,200", "thousands separators"),
                                            ("1_200", "thousands separators"), ("١٢٣", "0-9")])
def test_parse_count_names_the_real_cause(text, fragment):
    with pytest.raises(ValueProblem, match=fragment):
        parse_count(text, "views")


def test_fifo_is_called_a_fifo_not_missing(tmp_path):
    import os

    path = tmp_path / "metadata.csv"
    os.mkfifo(path)
    with pytest.raises(DatasetError, match="named pipe"):  # and it does not block reading it
        read_csv_rows(path)
    with pytest.raises(DatasetError, match="no such file"):
        read_csv_rows(tmp_path / "absent.csv")


def test_utf16_without_bom_is_called_utf16_not_nul(tmp_path):
    path = tmp_path / "metadata.csv"
    path.write_bytes(format_csv(REQUIRED_COLUMNS, [_valid_row(0)]).encode("utf-16-le"))
    with pytest.raises(DatasetError, match="UTF-16 without a byte-order mark"):
        read_csv_rows(path)


def test_row_numbers_count_blank_lines_before_the_header(tmp_path):
    path = tmp_path / "metadata.csv"
    path.write_text("\n\n" + format_csv(REQUIRED_COLUMNS, [_valid_row(0), ["bad"]]), encoding="utf-8")
    table = read_csv_rows(path)
    assert table.row_numbers == [4]  # header on row 3, as a spreadsheet shows it
    assert [r.row for r in table.rejections] == [5]
    path.write_text("\n" + ",".join(REQUIRED_COLUMNS + ("views",)) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"row 2 \(header\) repeats"):
        read_csv_rows(path)


def test_user_column_with_an_internal_name_is_refused_not_replaced(tmp_path):
    for name in ("image_width", "log_views", "age_days", "split_random", "csv_row"):
        path = _write([_valid_row(0) + ["mine"]], header=REQUIRED_COLUMNS + (name,))
        with pytest.raises(DatasetError, match=f"'{name}'.*rename"):
            read_csv_rows(path, extra_columns="keep")
        assert name not in read_csv_rows(path, extra_columns="drop").header


def test_rejections_with_carriage_returns_and_formulas_stay_whole(tmp_path):
    import pandas as pd

    from thumbnail_lab.dataset.layout import Rejection, rejections_csv, rejections_frame

    table = rejections_frame([Rejection("images/a\rb.jpg", 2, 2, "title", "=1+1", "views 'x\ry' is bad"),
                              Rejection("f", 3, 3, "views", "-2", "@cmd")])
    path = tmp_path / "rejections.csv"
    path.write_text(rejections_csv(table), encoding="utf-8")
    back = pd.read_csv(path, dtype=str)
    assert len(back) == 2 and not back["value"].str.match(r"[=+\-@]").any()
    assert not back["reason"].str.match(r"[=+\-@]").any()


FORMULA_TEXT = st.one_of(TEXT, st.builds(lambda a, b: a + b, st.text("'=+-@\t\r", min_size=1, max_size=4), TEXT))


@SETTINGS
@given(st.lists(FORMULA_TEXT, min_size=1, max_size=6))
def test_formula_titles_are_written_as_text_and_read_back_exactly(titles):
    rows = [_valid_row(i, title) for i, title in enumerate(titles)]
    path = _write(rows)
    table = read_csv_rows(path)
    assert [r[3] for r in table.rows] == titles
    import csv as _csv
    with open(path, encoding="utf-8", newline="") as fh:
        written = [r[3] for r in list(_csv.reader(fh))[1:]]
    assert not any(w[:1] in ("=", "+", "-", "@", "\t", "\r") for w in written)  # a spreadsheet shows text
    from thumbnail_lab.dataset.layout import escape_formula, unescape_formula
    assert all(unescape_formula(escape_formula(t)) == t for t in titles)
