"""Annual reports: the program-year figures (``figures``), the Excel workbook (``workbook``), the provincial
PDF report (``provincial``) with server-side SVG charts (``charts``). Builders take data only through the
set-based selectors here; the job row, permissions and storage live in ``assessments.services.reports``.
"""
