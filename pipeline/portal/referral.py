"""The referral package for the prosecutor's office (Kejaksaan Negeri, bidang Datun) as a PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pipeline.portal.followup import STAGE_LABELS
from pipeline.portal.text import rupiah
from pipeline.reference import category_labels, legal_bases

# Debian's fonts-dejavu-core: Unicode names (é, ñ, Arabic-derived spellings) need a TTF font; the
# PDF core fonts only know Latin-1.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def _font(pdf: Any) -> str:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu"
    return "Helvetica"


def _safe(text: Any, unicode_font: bool) -> str:
    value = "" if text is None else str(text)
    return value if unicode_font else value.encode("latin-1", "replace").decode("latin-1")


def build(
    employer: dict[str, Any],
    findings: list[dict[str, Any]],
    workers: list[dict[str, Any]],
    followups: list[dict[str, Any]],
    period: str,
    generated_by: str,
) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    pdf.set_title(f"Paket rujukan {employer.get('employer_name') or employer['employer_key']}")
    pdf.set_author("Rekon")
    family = _font(pdf)
    uni = family == "DejaVu"
    t = lambda value: _safe(value, uni)  # noqa: E731
    nl = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}  # each block starts on a new line at the margin
    generated = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()

    def heading(text: str) -> None:
        pdf.ln(3)
        pdf.set_font(family, "B", 11)
        pdf.cell(0, 7, t(text), **nl)
        pdf.set_font(family, "", 9)

    def pairs(rows: list[tuple[str, Any]]) -> None:
        with pdf.table(
            col_widths=(45, 135), first_row_as_headings=False, line_height=5.5, text_align="LEFT"
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(t(label))
                row.cell(t(value if value not in (None, "") else "-"))

    pdf.set_font(family, "B", 14)
    pdf.multi_cell(
        0, 7, t("Paket Rujukan ke Kejaksaan Negeri (Bidang Perdata dan Tata Usaha Negara)"), align="L", **nl
    )
    pdf.set_font(family, "B", 9)
    pdf.set_text_color(160, 0, 0)
    pdf.multi_cell(
        0,
        5,
        t(
            "RAHASIA: memuat data pribadi lengkap (UU 27/2022 tentang Pelindungan Data Pribadi). "
            "Hanya untuk Jaksa Pengacara Negara penerima Surat Kuasa Khusus; dilarang diperbanyak."
        ),
        align="L",
        **nl,
    )
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(family, "", 9)
    pdf.cell(0, 6, t(f"Periode data: {period}. Dibuat {generated} oleh {generated_by}."), **nl)

    heading("1. Identitas pemberi kerja")
    pairs(
        [
            ("Nama", employer.get("employer_name")),
            ("Kunci pemberi kerja", employer["employer_key"]),
            ("NIB", employer.get("nib")),
            ("NPWP", employer.get("npwp")),
            ("NPP (BPJS Ketenagakerjaan)", employer.get("npp")),
            ("Kabupaten/kota", f"{employer.get('regency_code') or '-'} {employer.get('regency_name') or ''}"),
            ("Kantor cabang", employer.get("branch_name")),
        ]
    )

    heading("2. Temuan dan dasar hukum")
    basis, labels = legal_bases(), category_labels()
    for f in findings:
        pairs(
            [
                ("Kategori", f"{f['category']}: {labels.get(f['category'], '')}"),
                (
                    "Status",
                    f"{f.get('status') or '-'}; tercatat sejak {f.get('first_seen_period') or '-'}, "
                    f"{f.get('months_listed') or 1} bulan",
                ),
                ("Tenaga kerja terdampak", f.get("workers_affected")),
                ("Selisih upah per bulan", rupiah(f.get("wage_gap_monthly"))),
                ("Estimasi iuran per bulan", rupiah(f.get("estimated_contribution_monthly"))),
                ("Program belum diikuti", f.get("missing_programs")),
                ("Dasar hukum", basis.get(f["category"], "-")),
                ("Bukti", f.get("evidence")),
            ]
        )
        pdf.ln(2)

    heading("3. Bukti: tenaga kerja (NIK lengkap)")
    if workers:
        with pdf.table(
            col_widths=(28, 38, 52, 31, 31),
            line_height=5,
            text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        ) as table:
            table.row([t(x) for x in ("Kategori", "NIK", "Nama", "Upah bruto", "Upah dilaporkan")])
            for w in workers:
                table.row(
                    [
                        t(w["category"]),
                        t(w["nik"]),
                        t(w.get("full_name")),
                        t(rupiah(w.get("gross_wage"))),
                        t(rupiah(w.get("reported_wage"))),
                    ]
                )
    else:
        pdf.cell(0, 6, t("Tidak ada data tenaga kerja per orang untuk temuan ini."), **nl)

    heading("4. Estimasi iuran")
    monthly = sum(f.get("estimated_contribution_monthly") or 0 for f in findings)
    arrears = sum(
        (f.get("estimated_contribution_monthly") or 0) * (f.get("months_listed") or 1) for f in findings
    )
    pairs(
        [
            ("Estimasi iuran per bulan", rupiah(monthly)),
            ("Estimasi tunggakan (bulan tercatat)", rupiah(arrears)),
            (
                "Catatan",
                "Estimasi dari data periode; denda keterlambatan 2% per bulan (PP 44/2015) belum "
                "dihitung. Angka final ditetapkan melalui pemeriksaan.",
            ),
        ]
    )

    heading("5. Riwayat tindak lanjut")
    if followups:
        with pdf.table(col_widths=(22, 22, 38, 30, 68), line_height=5, text_align="LEFT") as table:
            table.row([t(x) for x in ("Tanggal", "Kategori", "Tahap", "Petugas", "Catatan")])
            for e in followups:
                table.row(
                    [
                        t(e["stage_date"]),
                        t(e["category"]),
                        t(STAGE_LABELS.get(e["stage"], e["stage"])),
                        t(e["officer"] or "-"),
                        t("(catatan kantor cabang lain)" if e.get("hidden") else e.get("note")),
                    ]
                )
    else:
        pdf.cell(0, 6, t("Belum ada tindak lanjut tercatat."), **nl)
    return bytes(pdf.output())
