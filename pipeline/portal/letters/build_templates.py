"""Writes the default letter templates (`templates/<KIND>.docx`) with python-docx. The templates
are committed; a branch edits a copy in Word and puts it in `<data>/letters/<branch_code>/<KIND>.docx`
(the portal prefers it). The `{{ ... }}` and `{%tr ... %}` tags are docxtpl's (Jinja2).

    python -m pipeline.portal.letters.build_templates
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_DIR = Path(__file__).with_name("templates")

BODIES = {
    "SP1": [
        "Berdasarkan pencocokan data kepesertaan BPJS Ketenagakerjaan dengan data perizinan berusaha, "
        "data upah dan data ketenagakerjaan periode {{ period }}, kami menemukan bahwa perusahaan Saudara "
        "belum memenuhi kewajiban kepesertaan sebagaimana diuraikan di bawah ini.",
        "Dengan surat ini kami memberikan teguran tertulis pertama. Kami minta Saudara memenuhi kewajiban "
        "tersebut paling lambat {{ due_date_text }} ({{ working_days }} hari kerja sejak tanggal surat ini).",
    ],
    "SP2": [
        "Menindaklanjuti {% for p in previous %}{{ p.label }} nomor {{ p.number }} tanggal {{ p.date_text }}"
        "{% if not loop.last %}, {% endif %}{% endfor %}, sampai dengan batas waktu yang ditentukan "
        "perusahaan Saudara belum memenuhi kewajiban kepesertaan sebagaimana diuraikan di bawah ini.",
        "Dengan surat ini kami memberikan teguran tertulis kedua. Kami minta Saudara memenuhi kewajiban "
        "tersebut paling lambat {{ due_date_text }} ({{ working_days }} hari kerja sejak tanggal surat ini). "
        "Apabila tidak dipenuhi, kami akan mengajukan pengenaan sanksi tidak mendapat pelayanan publik "
        "tertentu sesuai PP 86/2013.",
    ],
    "TMP2T": [
        "{{ employer_name }} telah diberi teguran tertulis ({% for p in previous %}{{ p.label }} nomor "
        "{{ p.number }} tanggal {{ p.date_text }}{% if not loop.last %}; {% endif %}{% endfor %}) namun "
        "belum memenuhi kewajiban kepesertaan BPJS Ketenagakerjaan.",
        "Berdasarkan PP 86/2013 tentang Tata Cara Pengenaan Sanksi Administratif kepada Pemberi Kerja "
        "Selain Penyelenggara Negara, kami mohon Bapak/Ibu mengenakan sanksi tidak mendapat pelayanan "
        "publik tertentu (antara lain perizinan berusaha, izin mendirikan bangunan/PBG dan keikutsertaan "
        "dalam tender) kepada pemberi kerja tersebut sampai kewajibannya dipenuhi. Kami mohon kabar tindak "
        "lanjut paling lambat {{ due_date_text }}.",
    ],
    "SKK": [
        "Bersama ini kami sampaikan Surat Kuasa Khusus (SKK) beserta berkas rujukan atas "
        "{{ employer_name }}, "
        "yang telah diberi teguran tertulis dan dimohonkan sanksi tidak mendapat pelayanan publik tertentu "
        "({% for p in previous %}{{ p.label }} nomor {{ p.number }} tanggal {{ p.date_text }}"
        "{% if not loop.last %}; {% endif %}{% endfor %}) namun belum memenuhi kewajibannya.",
        "Kami mohon Jaksa Pengacara Negara memanggil pemberi kerja tersebut untuk memenuhi kewajiban "
        "pendaftaran dan pembayaran iuran beserta dendanya. Kami akan memantau perkembangan rujukan ini "
        "sampai {{ due_date_text }}.",
    ],
}


def build(kind: str, path: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10.5)
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = head.add_run("BPJS KETENAGAKERJAAN\n{{ branch_name }}")
    run.bold = True
    run.font.size = Pt(13)

    def pairs(rows: list[tuple[str, str]]) -> None:
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, value

    pairs(
        [
            ("Nomor", "{{ number }}"),
            ("Tanggal", "{{ letter_date_text }}"),
            ("Sifat", "Penting"),
            ("Perihal", "{{ subject }}"),
        ]
    )
    doc.add_paragraph("Kepada Yth.\n{{ addressee }}\ndi tempat")
    for text in BODIES[kind]:
        doc.add_paragraph(text)

    doc.add_heading("1. Identitas pemberi kerja", level=2)
    pairs(
        [
            ("Nama", "{{ employer_name }}"),
            ("Kunci pemberi kerja", "{{ employer_key }}"),
            ("NIB", "{{ nib }}"),
            ("NPWP", "{{ npwp }}"),
            ("NPP", "{{ npp }}"),
            ("Kabupaten/kota", "{{ regency }}"),
        ]
    )
    doc.add_heading("2. Temuan", level=2)
    pairs(
        [
            ("Kategori", "{{ category }}: {{ category_label }}"),
            ("Tercatat sejak", "{{ first_seen_period }} ({{ months_listed }} bulan)"),
            ("Tenaga kerja terdampak", "{{ workers_affected }}"),
            ("Selisih upah per bulan", "{{ wage_gap_monthly }}"),
            ("Program belum diikuti", "{{ missing_programs }}"),
            ("Bukti", "{{ evidence }}"),
        ]
    )
    doc.add_heading("3. Estimasi iuran dan tunggakan", level=2)
    pairs(
        [
            ("Estimasi iuran per bulan", "{{ contribution_monthly }}"),
            ("Iuran tertunggak", "{{ arrears_principal }}"),
            ("Denda keterlambatan", "{{ arrears_fine }}"),
            ("Jumlah estimasi", "{{ arrears_total }}"),
        ]
    )
    doc.add_paragraph("Cara menghitung: {{ arrears_formula }} Angka final ditetapkan melalui pemeriksaan.")
    doc.add_heading("4. Dasar hukum", level=2)
    doc.add_paragraph("{{ legal_basis }}. {{ kind_source }}.")
    doc.add_heading("5. Batas waktu", level=2)
    doc.add_paragraph(
        "{{ due_date_text }}: {{ working_days }} hari kerja sejak tanggal surat, tidak termasuk Sabtu, "
        "Minggu, hari libur nasional, cuti bersama dan libur daerah (dilewati: {{ skipped_days }})."
    )
    doc.add_paragraph("\n{{ branch_name }}\nKepala Kantor Cabang\n\n\n(______________________)")

    doc.add_page_break()
    doc.add_heading("Lampiran: tenaga kerja terdampak", level=2)
    doc.add_paragraph("{{ identity_note }}")
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("NIK", "Nama", "Upah bruto per bulan"), strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for w in workers %}"
    for cell, text in zip(table.rows[2].cells, ("{{ w.nik }}", "{{ w.name }}", "{{ w.wage }}"), strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    doc.add_paragraph(
        "{% if workers_more %}Dan {{ workers_more }} tenaga kerja lainnya (lihat portal).{% endif %}"
    )
    doc.core_properties.author = "Rekon"
    doc.core_properties.title = kind
    doc.save(str(path))


def main() -> None:
    TEMPLATE_DIR.mkdir(exist_ok=True)
    for kind in BODIES:
        build(kind, TEMPLATE_DIR / f"{kind}.docx")
        print(TEMPLATE_DIR / f"{kind}.docx")


if __name__ == "__main__":
    main()
