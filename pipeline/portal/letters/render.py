"""A letter's content as DOCX (docxtpl, from the branch's template or the default one) and PDF
(fpdf2, laid out like the default template)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from pipeline.portal.letters.build_templates import TEMPLATE_DIR
from pipeline.portal.referral import _font, _safe

BRANCH = re.compile(r"^[A-Z0-9-]{1,20}$")


def template_path(data_dir: Path, branch_code: str, kind: str) -> Path:
    """`<data>/letters/<branch>/<KIND>.docx` when the branch has its own, else the default. The
    branch code and kind come from the portal's tables and reference data, checked here again."""
    assert re.match(r"^[A-Z0-9]{1,8}$", kind), kind
    if BRANCH.match(branch_code or ""):
        own = data_dir / "letters" / branch_code / f"{kind}.docx"
        if own.is_file():
            return own
    return TEMPLATE_DIR / f"{kind}.docx"


def docx(template: Path, content: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate

    doc = DocxTemplate(str(template))
    doc.render(content, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pdf(content: dict[str, Any]) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from pipeline.portal.letters.build_templates import BODIES

    document = FPDF(format="A4")
    document.set_title(f"{content['kind_label']} {content['number']}")
    document.set_author("Rekon")
    # Number and due date also in the document's properties, where a records system can read them.
    document.set_subject(f"Batas waktu {content.get('due_date') or '-'}")
    family = _font(document)
    t = lambda value: _safe(value, family == "DejaVu")  # noqa: E731
    nl = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    document.set_auto_page_break(auto=True, margin=18)
    document.add_page()

    def text(value: str, size: float = 10, style: str = "", align: str = "L") -> None:
        document.set_font(family, style, size)
        document.multi_cell(0, 5.5, t(value), align=align, **nl)

    def pairs(rows: list[tuple[str, Any]]) -> None:
        document.set_font(family, "", 9.5)
        with document.table(col_widths=(50, 130), first_row_as_headings=False, line_height=5.5) as table:
            for label, value in rows:
                row = table.row()
                row.cell(t(label))
                row.cell(t(value))

    def heading(value: str) -> None:
        document.ln(2)
        text(value, 11, "B")

    from jinja2 import Environment

    env = Environment(autoescape=False)
    text(f"BPJS KETENAGAKERJAAN\n{content['branch_name']}", 13, "B", "C")
    document.ln(2)
    c = content
    pairs(
        [
            ("Nomor", c["number"]),
            ("Tanggal", c["letter_date_text"]),
            ("Sifat", "Penting"),
            ("Perihal", c["subject"]),
        ]
    )
    document.ln(2)
    text(f"Kepada Yth.\n{c['addressee']}\ndi tempat")
    for body in BODIES[c["kind"]]:
        document.ln(1)
        text(env.from_string(body).render(**c), align="J")
    heading("1. Identitas pemberi kerja")
    pairs(
        [
            ("Nama", c["employer_name"]),
            ("Kunci pemberi kerja", c["employer_key"]),
            ("NIB", c["nib"]),
            ("NPWP", c["npwp"]),
            ("NPP", c["npp"]),
            ("Kabupaten/kota", c["regency"]),
        ]
    )
    heading("2. Temuan")
    pairs(
        [
            ("Kategori", f"{c['category']}: {c['category_label']}"),
            ("Tercatat sejak", f"{c['first_seen_period']} ({c['months_listed']} bulan)"),
            ("Tenaga kerja terdampak", c["workers_affected"]),
            ("Selisih upah per bulan", c["wage_gap_monthly"]),
            ("Program belum diikuti", c["missing_programs"]),
            ("Bukti", c["evidence"]),
        ]
    )
    heading("3. Estimasi iuran dan tunggakan")
    pairs(
        [
            ("Estimasi iuran per bulan", c["contribution_monthly"]),
            ("Iuran tertunggak", c["arrears_principal"]),
            ("Denda keterlambatan", c["arrears_fine"]),
            ("Jumlah estimasi", c["arrears_total"]),
        ]
    )
    text(f"Cara menghitung: {c['arrears_formula']} Angka final ditetapkan melalui pemeriksaan.", 9)
    heading("4. Dasar hukum")
    text(f"{c['legal_basis']}. {c['kind_source']}.", 9.5)
    heading("5. Batas waktu")
    text(
        f"{c['due_date_text']}: {c['working_days']} hari kerja sejak tanggal surat, tidak termasuk Sabtu, "
        f"Minggu, hari libur nasional, cuti bersama dan libur daerah (dilewati: {c['skipped_days']}).",
        9.5,
    )
    document.ln(4)
    text(f"{c['branch_name']}\nKepala Kantor Cabang\n\n\n(______________________)")

    document.add_page()
    heading("Lampiran: tenaga kerja terdampak")
    text(c["identity_note"], 9)
    document.set_font(family, "", 9)
    with document.table(
        col_widths=(45, 85, 50), line_height=5, text_align=("LEFT", "LEFT", "RIGHT")
    ) as table:
        table.row([t(x) for x in ("NIK", "Nama", "Upah bruto per bulan")])
        for w in c["workers"]:
            table.row([t(w["nik"]), t(w["name"]), t(w["wage"])])
    if c.get("workers_more"):
        text(f"Dan {c['workers_more']} tenaga kerja lainnya (lihat portal).", 9)
    return bytes(document.output())
