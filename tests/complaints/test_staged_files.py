"""Files kept with an unsent complaint: each shows the name the resident gave it and, for a photo,
a thumbnail that only the browser that sent it can see; each can be removed before sending,
without JavaScript."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from portal.complaints.models import Complaint, ComplaintAttachment
from portal.extensions import db
from tests.complaints.conftest import form_fields
from tests.complaints.test_attachments import PDF, jpeg_with_gps, png_with_text
from tests.complaints.test_filing import GOOD, start

REMOVE = re.compile(r'name="remove_file" value="(\d+)"')
PREVIEW = re.compile(r'src="(/complaints/new/files/\d+)"')


def checked(client, files, lang="en"):
    """The check step of a complaint with ``files`` [(bytes, name)]: (response, page)."""
    data = {**start(client, lang), **GOOD, "check": "1",
            "attachments": [(io.BytesIO(content), name) for content, name in files]}
    response = client.post(f"/complaints/new/check?lang={lang}", data=data,
                           content_type="multipart/form-data")
    return response, response.get_data(as_text=True)


def pending(app):
    with app.app_context():
        return db.session.scalars(sa.select(ComplaintAttachment.filename).where(
            ComplaintAttachment.complaint_id.is_(None)).order_by(ComplaintAttachment.id)).all()


def test_remove_one_of_two_files_then_send_stores_only_the_other(app, client):
    response, page = checked(client, [(jpeg_with_gps(), "IMG_0001 王五.jpg"),
                                      (PDF, "电费收据.pdf")])
    assert response.status_code == 200
    assert "IMG_0001 王五.jpg" in page and "电费收据.pdf" in page
    photo, receipt = REMOVE.findall(page)
    removed = client.post("/complaints/new/check/remove-file?lang=en",
                          data={**form_fields(page), "remove_file": photo})
    page = removed.get_data(as_text=True)
    assert removed.status_code == 200 and "Check your complaint" in page
    assert "The file was removed." in page
    assert "IMG_0001" not in page and "电费收据.pdf" in page
    assert REMOVE.findall(page) == [receipt]
    sent = client.post("/complaints/new/send?lang=en", data={**form_fields(page),
                                                             "confirm": "1"})
    assert sent.status_code == 201
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        assert [(f.filename, f.media_type) for f in complaint.attachments] == [
            ("attachment-1.pdf", "application/pdf")]  # numbered again; the given name not kept
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            ComplaintAttachment)) == 1


def test_a_file_can_be_removed_while_changing_the_complaint(app, client):
    _response, page = checked(client, [(PDF, "a.pdf"), (png_with_text(), "b.png")])
    editing = client.post("/complaints/new/edit?lang=en", data=form_fields(page))
    page = editing.get_data(as_text=True)
    assert "File a complaint" in page and "a.pdf" in page
    first, _second = REMOVE.findall(page)
    assert 'formaction="/complaints/new/edit/remove-file"' in page
    removed = client.post("/complaints/new/edit/remove-file?lang=en",  # the whole form
                          data={**form_fields(page), **GOOD, "remove_file": first})
    page = removed.get_data(as_text=True)
    assert removed.status_code == 200 and "File a complaint" in page
    assert "<bdi>a.pdf</bdi>" not in page and "<bdi>b.png</bdi>" in page
    assert "营业厅收取临时接电费" in page
    assert pending(app) == ["attachment-1.png"]


@pytest.mark.parametrize("forged", ["999999", "abc", "", "-1", "1" * 30])
def test_a_forged_file_id_removes_nothing_and_says_so(app, client, forged):
    _response, page = checked(client, [(PDF, "a.pdf"), (PDF, "b.pdf")])
    response = client.post("/complaints/new/check/remove-file?lang=en",
                           data={**form_fields(page), "remove_file": forged})
    assert response.status_code == 400
    assert "This file is not attached to your complaint; nothing was removed." in \
        response.get_data(as_text=True)
    assert pending(app) == ["attachment-1.pdf", "attachment-2.pdf"]


def test_a_file_of_another_form_cannot_be_removed(app, client):
    other = app.test_client()
    _response, theirs = checked(other, [(PDF, "theirs.pdf")])
    _response, mine = checked(client, [(PDF, "mine.pdf")])
    their_file = REMOVE.findall(theirs)[0]
    response = client.post("/complaints/new/edit/remove-file?lang=en",
                           data={**form_fields(mine), "remove_file": their_file})
    assert response.status_code == 400
    assert "This file is not attached to your complaint; nothing was removed." in \
        response.get_data(as_text=True)
    assert len(pending(app)) == 2


def test_the_thumbnail_is_for_the_browser_that_sent_the_photo_only(app, client):
    _response, page = checked(client, [(jpeg_with_gps(), "photo.jpg"), (PDF, "doc.pdf")])
    (url,) = PREVIEW.findall(page)  # none for the PDF
    shown = client.get(url)
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.headers["Cache-Control"] == "no-store"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    assert shown.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert b"Demo Camera Maker" not in shown.data  # the cleaned copy
    assert app.test_client().get(url).status_code == 404  # another browser
    pdf_id = REMOVE.findall(page)[1]
    assert client.get(f"/complaints/new/files/{pdf_id}").status_code == 404
    sent = client.post("/complaints/new/send?lang=en", data={**form_fields(page),
                                                             "confirm": "1"})
    assert sent.status_code == 201
    assert client.get(url).status_code == 404  # sent: no longer a draft


def test_given_names_are_shown_safely(client):
    long_name = "2026年11月电费账单与抄表照片" * 4 + ".png"
    _response, page = checked(client, [(png_with_text(), "<img src=x onerror=alert(1)>.png"),
                                       (png_with_text(), "Users/me/bill\u202egnp.exe"),
                                       (png_with_text(), long_name)])
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.png" in page
    assert "\u202e" not in page and "billgnp.exe" in page and "Users/me" not in page
    shortened = re.search(r"<bdi>(2026[^<]*)</bdi>", page).group(1)
    assert "…" in shortened and shortened.endswith(".png") and len(shortened) <= 40
    assert 'aria-label="Remove billgnp.exe"' in page


def test_bad_files_are_still_refused_in_the_resident_s_language(app, client):
    response, page = checked(client, [(PDF, "ok.pdf"), (b"#!/bin/sh\nrm -rf /", "photo.jpg")],
                             lang="zh_Hans_CN")
    assert response.status_code == 400
    assert "第 2 个文件：只能上传 JPEG、PNG 格式的照片或 PDF 文档。" in page
    assert pending(app) == []
