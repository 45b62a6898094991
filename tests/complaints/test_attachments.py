"""Attachments: recognised by content, metadata stripped, limits, and nothing half-written."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from portal.complaints.attachments import AttachmentError, clean
from portal.complaints.models import Complaint, ComplaintAttachment
from portal.extensions import db
from tests.complaints.conftest import form_fields, open_case
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


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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
    assert "attachment-1.jpg" in page and "attachment-2.pdf" in page and "王五" not in page
    fields = form_fields(page)
    sent = client.post("/complaints/new?lang=en", data={**fields, "confirm": "1"})
    assert sent.status_code == 201
    number, code = receipt_of(sent)
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        files = complaint.attachments
        assert [f.filename for f in files] == ["attachment-1.jpg", "attachment-2.pdf"]
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
    assert client.get(f"/complaints/staff/{number}/attachments/{attachment_id}"
                      ).status_code == 302  # complainants are not staff
    staff_client = app.test_client()
    make_user("handler")
    from tests.conftest import AuthActions

    AuthActions(app, staff_client).login("handler")
    download = staff_client.get(f"/complaints/staff/{number}/attachments/{attachment_id}")
    assert download.status_code == 200 and download.mimetype == "image/png"
    assert client.get(f"/complaints/track/{number}/attachments/9999").status_code == 404
