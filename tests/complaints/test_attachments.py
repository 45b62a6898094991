"""Attachments: recognised by content, metadata stripped, limits, and nothing half-written."""

from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib

import pytest
import sqlalchemy as sa
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from portal.complaints import attachments, decoding, services, web
from portal.complaints.attachments import AttachmentError, CleanFile, clean
from portal.complaints.models import Complaint, ComplaintAttachment
from portal.core.models import utcnow
from portal.extensions import db
from tests.complaints.conftest import FILING, form_fields, open_case
from tests.complaints.test_filing import GOOD, receipt_of, start
from tests.conftest import csrf_token


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "orange")
    exif = Image.Exif()
    exif[0x010F] = "Demo Camera Maker"             # Make
    exif[0x0112] = 6                                # Orientation: rotate 90
    exif.get_ifd(0x8825)[2] = (30.0, 15.0, 0.0)     # GPSLatitude
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Author", "Zhang San 13812345678")
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 0, 255, 128)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def pdf_writer(pages: int = 2) -> PdfWriter:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    return writer


def pdf_bytes(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = pdf_bytes(pdf_writer())


def test_jpeg_loses_exif_and_gps_and_is_turned_upright():
    original = jpeg_with_gps()
    assert b"Demo Camera Maker" in original
    cleaned = clean(original)
    assert cleaned.media_type == "image/jpeg" and b"Demo Camera Maker" not in cleaned.data
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert not image.getexif() and image.size == (48, 64)


def test_png_loses_text_chunks_and_keeps_transparency():
    cleaned = clean(png_with_text())
    assert b"13812345678" not in cleaned.data and b"Author" not in cleaned.data
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert image.mode == "RGBA"


@pytest.mark.parametrize(("data", "message"), [
    (b"MZ\x90\x00 this is a program", "Only JPEG and PNG photos and PDF documents"),
    (b"<html><script>alert(1)</script>", "Only JPEG and PNG photos and PDF documents"),
    (b"\xff\xd8\xff\xe0 not really a jpeg", "damaged or not really a JPEG or PNG"),
    (b"%PDF-1.4 cut off", "damaged or incomplete"),
    (b"", "empty"),
    (b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "at most 10 MB"),
])
def test_files_are_judged_by_content(app, data, message):
    with app.test_request_context("/?lang=en"), pytest.raises(AttachmentError) as error:
        clean(data)
    assert message in str(error.value.message)


def _check_with_files(client, files):
    fields = start(client)
    data = {**fields, **GOOD, "check": "1", "attachments": files}
    return client.post("/complaints/new?lang=en", data=data,
                       content_type="multipart/form-data")


def test_files_travel_through_the_check_step_to_the_complaint(app, client):
    response = _check_with_files(client, [(io.BytesIO(jpeg_with_gps()), "IMG_0001 王五.jpg"),
                                          (io.BytesIO(PDF), "收据.png")])
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The resident sees the names they gave; the portal never stores them.
    assert "IMG_0001 王五.jpg" in page and "收据.png" in page
    fields = form_fields(page)
    sent = client.post("/complaints/new/send?lang=en", data={**fields, "confirm": "1"})
    assert sent.status_code == 201
    number, code = receipt_of(sent)
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        files = complaint.attachments
        assert [f.filename for f in files] == ["attachment-1.jpg", "attachment-2.pdf"]
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(
            ComplaintAttachment).where(ComplaintAttachment.filename.like("%王五%")))
        assert b"Demo Camera Maker" not in files[0].data
        first_id = files[0].id
    open_case(client, number, code)
    download = client.get(f"/complaints/track/{number}/attachments/{first_id}")
    assert download.status_code == 200 and download.mimetype == "image/jpeg"
    assert "attachment" in download.headers["Content-Disposition"]


@pytest.mark.parametrize(("count", "ok"), [(5, True), (6, False)])
def test_at_most_five_files(app, client, count, ok):
    files = [(io.BytesIO(PDF), f"doc{n}.pdf") for n in range(count)]
    response = _check_with_files(client, files)
    assert (response.status_code == 200) is ok
    if not ok:
        assert "At most 5 files can be attached." in response.get_data(as_text=True)
        assert "营业厅收取临时接电费" in response.get_data(as_text=True)
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(
                ComplaintAttachment)) == 0


def test_a_disguised_file_is_refused_and_nothing_is_kept(app, client):
    response = _check_with_files(client, [(io.BytesIO(PDF), "ok.pdf"),
                                          (io.BytesIO(b"#!/bin/sh\nrm -rf /"), "photo.jpg")])
    assert response.status_code == 400
    assert "File 2: Only JPEG and PNG photos" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            ComplaintAttachment)) == 0


def test_a_body_over_the_limit_gets_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024 * 1024)
    client = app.test_client()
    response = _check_with_files(client, [(io.BytesIO(b"%PDF-" + b"0" * 2 * 1024 * 1024),
                                           "big.pdf")])
    assert response.status_code == 413


def test_complainant_adds_a_file_later_and_staff_download_it(app, client, file_complaint,
                                                             make_user, auth):
    number, code = file_complaint()
    open_case(client, number, code)
    token = csrf_token(client, f"/complaints/track/{number}")
    response = client.post(f"/complaints/track/{number}/information?lang=en",
                           data={"csrf_token": token, "text": "",
                                 "attachments": [(io.BytesIO(png_with_text()), "x.png")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        attachment = db.session.scalar(sa.select(ComplaintAttachment))
        assert attachment.event_id is not None
        attachment_id = attachment.id
    assert client.get(f"/staff/complaints/{number}/attachments/{attachment_id}"
                      ).status_code == 302  # complainants are not staff
    staff_client = app.test_client()
    make_user("handler")
    from tests.conftest import AuthActions

    AuthActions(app, staff_client).login("handler")
    download = staff_client.get(f"/staff/complaints/{number}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.mimetype == "image/png"
    assert client.get(f"/complaints/track/{number}/attachments/9999").status_code == 404


# Photos: size checked from the header, decoded once, nothing of the file's metadata kept.

def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims another size: decoding it would fail."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


@pytest.mark.parametrize(("size", "message"), [
    ((6000, 4001), "This image is too large (more than 24 megapixels)."),
    ((6000, 4000), "This image is damaged"),  # 24 MP is allowed, so this one is decoded
])
def test_pixel_limit_is_24_megapixels_checked_before_decoding(app, size, message):
    with app.test_request_context("/?lang=en"), pytest.raises(AttachmentError) as error:
        clean(png_claiming(*size))
    assert message in str(error.value.message)


def test_jpeg_loses_comment_and_colour_profile():
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "green").save(buffer, "JPEG", comment="Zhang San 13812345678",
                                              icc_profile=b"\0" * 128 + b"13900000000")
    cleaned = clean(buffer.getvalue())
    assert b"13812345678" not in cleaned.data and b"13900000000" not in cleaned.data
    with Image.open(io.BytesIO(cleaned.data)) as image:
        assert "comment" not in image.info and "icc_profile" not in image.info


@pytest.mark.parametrize(("mode", "transparency", "saved_as"), [
    ("P", 0, "RGBA"), ("L", None, "L"), ("RGB", None, "RGB"), ("I;16", None, "RGB")])
def test_png_keeps_transparency_and_simple_modes(mode, transparency, saved_as):
    buffer = io.BytesIO()
    extra = {} if transparency is None else {"transparency": transparency}
    Image.new(mode, (12, 8)).save(buffer, "PNG", **extra)
    with Image.open(io.BytesIO(clean(buffer.getvalue()).data)) as image:
        assert image.mode == saved_as and "transparency" not in image.info


# PDFs: parsed strictly, refused with active content, rewritten page by page.

def action(kind: str, **entries: str) -> DictionaryObject:
    result = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        result[NameObject(f"/{key}")] = TextStringObject(value)
    return result


def on_open(value: DictionaryObject | ArrayObject) -> bytes:
    writer = pdf_writer()
    writer.root_object[NameObject("/OpenAction")] = value
    return pdf_bytes(writer)


def with_link(link_action: DictionaryObject) -> bytes:
    writer = pdf_writer()
    writer.add_annotation(0, DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject(NumberObject(n) for n in (0, 0, 50, 50)),
        NameObject("/A"): link_action}))
    return pdf_bytes(writer)


def with_embedded_file() -> bytes:
    writer = pdf_writer()
    writer.add_attachment("invoice.exe", b"MZ\x90\x00 a program")
    return pdf_bytes(writer)


def with_document_script() -> bytes:
    writer = pdf_writer()
    writer.root_object[NameObject("/Names")] = DictionaryObject({
        NameObject("/JavaScript"): DictionaryObject({NameObject("/Names"): ArrayObject([
            TextStringObject("x"), action("/JavaScript", JS="app.alert(1)")])})})
    return pdf_bytes(writer)


def with_page_script() -> bytes:
    writer = pdf_writer()
    writer.pages[1][NameObject("/AA")] = DictionaryObject({
        NameObject("/O"): action("/JavaScript", JS="app.alert(1)")})
    return pdf_bytes(writer)


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", "<script>alert(1)</script>")
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    on_open(action("/JavaScript", JS="app.alert(document.cookie)")),
    on_open(action("/URI", URI="https://tracker.example/opened")),
    with_link(action("/Launch", F="calc.exe")),
    with_link(action("/SubmitForm", F="https://example.com/collect")),
    with_embedded_file(),
    with_document_script(),
    with_page_script(),
    with_link(action("/URI", URI="javascript:alert(1)")),
    with_link(action("/URI", URI="file:///etc/passwd")),
    with_link(action("/GoToR", F="\\\\attacker\\share\\x.pdf")),
    with_link(action("/Rendition", OP="0")),
], ids=["javascript-on-open", "uri-on-open", "launch-link", "submit-form-link",
        "embedded-file", "document-javascript", "page-script", "javascript-uri-link",
        "file-uri-link", "remote-goto-link", "rendition-link"])
def test_pdf_with_active_content_is_refused(app, data):
    with app.test_request_context("/?lang=en"), pytest.raises(AttachmentError) as error:
        clean(data)
    assert "contains scripts, embedded files or other active content" in str(
        error.value.message)


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n%%EOF\n",
    b"%PDF-1.4\n" + zip_archive(),
    b"%PDF-1.4\n%%EOF\n",
], ids=["html", "zip", "header-only"])
def test_other_content_behind_a_pdf_header_is_refused(app, data):
    with app.test_request_context("/?lang=en"), pytest.raises(AttachmentError) as error:
        clean(data)
    assert str(error.value.message) == "This PDF is damaged or incomplete."


@pytest.mark.parametrize("opening", [
    None, "destination", "go-to"], ids=["plain", "destination-on-open", "go-to-on-open"])
def test_clean_pdf_is_rewritten_without_metadata(opening):
    writer = pdf_writer(3)
    writer.add_metadata({"/Author": "Zhang San 13812345678", "/Title": "My bill"})
    writer.root_object[NameObject("/Extra")] = TextStringObject("13900000000")
    writer.pages[0][NameObject("/PieceInfo")] = TextStringObject("13700000000")
    destination = ArrayObject([writer.pages[1].indirect_reference, NameObject("/Fit")])
    if opening == "destination":
        writer.root_object[NameObject("/OpenAction")] = destination
    elif opening == "go-to":  # how LaTeX (hyperref) opens every document
        writer.root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): destination})
    cleaned = clean(pdf_bytes(writer))
    assert cleaned.media_type == "application/pdf"
    for secret in (b"Zhang San", b"13812345678", b"13900000000", b"13700000000", b"My bill"):
        assert secret not in cleaned.data
    reader = PdfReader(io.BytesIO(cleaned.data), strict=True)
    assert len(reader.pages) == 3 and reader.metadata is None
    assert set(reader.trailer["/Root"]) == {"/Type", "/Pages"}


def test_data_after_the_end_of_a_pdf_is_dropped():
    polyglot = PDF + zip_archive()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))
    cleaned = clean(polyglot)
    assert b"PK\x03\x04" not in cleaned.data and b"index.html" not in cleaned.data
    assert not zipfile.is_zipfile(io.BytesIO(cleaned.data))
    assert cleaned.data.rstrip().endswith(b"%%EOF")
    assert len(PdfReader(io.BytesIO(cleaned.data), strict=True).pages) == 2


def test_pdf_limits_pages_and_objects(app, monkeypatch):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(AttachmentError) as error:
            clean(pdf_bytes(pdf_writer(201)))
        assert "more than 200 pages" in str(error.value.message)
        assert len(PdfReader(io.BytesIO(clean(pdf_bytes(pdf_writer(200))).data)).pages) == 200
        monkeypatch.setattr(decoding, "MAX_PDF_OBJECTS", 3)
        with pytest.raises(AttachmentError) as error:
            clean(PDF)
        assert "too complex to be checked" in str(error.value.message)


def test_password_protected_pdf(app):
    locked, restricted = pdf_writer(), pdf_writer()
    locked.encrypt("secret")
    restricted.encrypt(user_password="", owner_password="owner")  # opens without a password
    with app.test_request_context("/?lang=en"), pytest.raises(AttachmentError) as error:
        clean(pdf_bytes(locked))
    assert "protected by a password" in str(error.value.message)
    reader = PdfReader(io.BytesIO(clean(pdf_bytes(restricted)).data), strict=True)
    assert not reader.is_encrypted and len(reader.pages) == 2


def test_a_broken_object_inside_a_pdf_is_damaged(app):
    data = PDF.replace(b"/Type /Pages", b"/Type /Pages /Kids [ 99 0 R ] /Junk [ 1 0 R")
    with app.test_request_context("/?lang=en"), pytest.raises(AttachmentError) as error:
        clean(data)
    assert str(error.value.message) == "This PDF is damaged or incomplete."


# Uploads: counted before decoding, and one rate limit for every page that takes files.

def never_decode(data):
    raise AssertionError("a file was decoded although it could not be kept")


def test_a_full_form_refuses_files_before_decoding_them(app, client, monkeypatch):
    first = _check_with_files(client, [(io.BytesIO(PDF), f"doc{n}.pdf") for n in range(5)])
    assert first.status_code == 200
    monkeypatch.setattr(web, "clean_files", never_decode)
    fields = form_fields(first.get_data(as_text=True))
    again = client.post("/complaints/new?lang=en", content_type="multipart/form-data",
                        data={**fields, "check": "1",
                              "attachments": [(io.BytesIO(PDF), "one-more.pdf")]})
    assert again.status_code == 400
    assert "At most 5 files can be attached." in again.get_data(as_text=True)


def add_files(app, number, count):
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint).where(
            Complaint.tracking_number == number))
        for start_at in range(0, count, 5):
            files = [CleanFile("application/pdf", PDF)] * min(5, count - start_at)
            services.add_information(complaint, "", utcnow(), files)
        db.session.commit()


def post_information(client, number, files=(), text=""):
    token = csrf_token(client, f"/complaints/track/{number}")
    return client.post(f"/complaints/track/{number}/information?lang=en",
                       content_type="multipart/form-data",
                       data={"csrf_token": token, "text": text,
                             "attachments": [(io.BytesIO(data), name) for data, name in files]})


def test_a_full_case_refuses_files_before_decoding_them(app, client, file_complaint,
                                                        monkeypatch):
    number, code = file_complaint()
    add_files(app, number, services.MAX_CASE_FILES)
    open_case(client, number, code)
    monkeypatch.setattr(web, "clean_files", never_decode)
    response = post_information(client, number, [(PDF, "one-more.pdf")])
    assert response.status_code == 400
    assert "A case can hold at most 20 files." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            ComplaintAttachment)) == services.MAX_CASE_FILES


def test_a_finished_case_refuses_files_before_decoding_them(app, client, file_complaint,
                                                            monkeypatch):
    from portal.complaints.enums import ActorKind, ComplaintStatus
    from portal.complaints.models import Complaint

    number, code = file_complaint()
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        services.change_status(complaint, ComplaintStatus.WITHDRAWN, ActorKind.COMPLAINANT,
                               utcnow(), reason="不再需要")
        db.session.commit()
    open_case(client, number, code)
    monkeypatch.setattr(web, "clean_files", never_decode)
    token = csrf_token(client, "/complaints/track")  # a finished case shows no form
    response = client.post(f"/complaints/track/{number}/information?lang=en",
                           content_type="multipart/form-data",
                           data={"csrf_token": token, "text": "",
                                 "attachments": [(io.BytesIO(PDF), "late.pdf")]})
    assert response.status_code == 400
    assert "information can no longer be added" in response.get_data(as_text=True)


def limited_case(make_app):
    app = make_app(RATELIMIT_ENABLED=True, UPLOAD_RATE_LIMIT="2 per hour")
    with app.app_context():
        receipt = services.submit_complaint(services.Filing(**FILING), "key-1", utcnow())
        db.session.commit()
        number, code = receipt.complaint.tracking_number, receipt.formatted_code
    client = app.test_client()
    assert open_case(client, number, code).status_code == 302
    return client, number


def test_adding_files_to_a_case_shares_the_upload_limit(make_app):
    client, number = limited_case(make_app)
    assert post_information(client, number, text="More details.").status_code == 302
    assert _check_with_files(client, [(io.BytesIO(PDF), "a.pdf")]).status_code == 200
    assert post_information(client, number, [(PDF, "b.pdf")]).status_code == 302
    assert post_information(client, number, [(PDF, "c.pdf")]).status_code == 429
    # Other steps on the case carry no files and stay open.
    token = csrf_token(client, f"/complaints/track/{number}")
    withdrawn = client.post(f"/complaints/track/{number}/withdraw?lang=en",
                            data={"csrf_token": token, "reason": "Solved.", "confirm": "yes",
                                  "seen": "registered"})
    assert withdrawn.status_code == 302


def test_refused_files_count_against_the_upload_limit(make_app):
    client, number = limited_case(make_app)
    statuses = [post_information(client, number, [(b"\xff\xd8\xff broken", "x.jpg")]).status_code
                for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_an_empty_first_file_part_does_not_get_around_the_upload_limit(make_app):
    client, number = limited_case(make_app)
    def sneaky():
        decoy = (io.BytesIO(b""), "")  # what a browser sends for an unused file input
        token = csrf_token(client, f"/complaints/track/{number}")
        return client.post(f"/complaints/track/{number}/information?lang=en",
                           content_type="multipart/form-data",
                           data={"csrf_token": token, "text": "",
                                 "attachments": [decoy, (io.BytesIO(PDF), "x.pdf")]})

    assert [sneaky().status_code for _ in range(3)] == [302, 302, 429]


# Decoding runs in a separate process with CPU-time and memory limits.

def _progressive_jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "JPEG", progressive=True)
    return buffer.getvalue()


def test_uploads_are_decoded_in_a_limited_process(app):
    with app.test_request_context("/?lang=en"):
        outcomes = attachments.clean_files([_progressive_jpeg(), PDF, b"not a file"])
    assert [type(outcome).__name__ for outcome in outcomes] == [
        "CleanFile", "CleanFile", "AttachmentError"]
    assert outcomes[0].media_type == "image/jpeg" and outcomes[1].media_type == "application/pdf"


def test_a_decoding_that_takes_too_long_is_refused_not_waited_for(app, monkeypatch):
    sleeper = [sys.executable, "-c", "import time; time.sleep(30)"]
    monkeypatch.setattr(attachments, "WORKER", sleeper)
    monkeypatch.setattr(attachments, "TIMEOUT_SECONDS", 1)
    with app.test_request_context("/?lang=en"):
        outcomes = attachments.clean_files([PDF])
        assert "takes too much work to check" in str(outcomes[0].message)


def test_a_jpeg_with_very_many_scans_is_refused_before_decoding(app, monkeypatch):
    assert attachments.clean(_progressive_jpeg()).media_type == "image/jpeg"
    monkeypatch.setattr(decoding, "MAX_JPEG_SCANS", 2)
    with app.test_request_context("/?lang=en"), pytest.raises(AttachmentError):
        attachments.clean(_progressive_jpeg())


def test_a_file_that_grows_when_rebuilt_is_refused(app, monkeypatch):
    monkeypatch.setattr(decoding, "MAX_OUTPUT_BYTES", 100)
    with app.test_request_context("/?lang=en"), pytest.raises(AttachmentError) as error:
        attachments.clean(_progressive_jpeg())
    assert "too much space once cleaned" in str(error.value.message)


def test_web_and_mail_links_in_a_pdf_are_fine(app):
    for target in ("https://www.example.cn/notice", "mailto:service@example.cn"):
        assert clean(with_link(action("/URI", URI=target))).media_type == "application/pdf"
