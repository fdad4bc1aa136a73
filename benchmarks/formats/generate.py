"""Generates the inputs of formats.sh from the shared collections (standard library only).

- eml, maildir: 4,000 messages of 20 Newsgroups each (every fourth a multipart/alternative with
  an HTML part; bodies in ISO-8859-1 and quoted-printable);
- mbox: all of 20 Newsgroups, one mbox per group (mboxrd escaping);
- docx, odt: 2,000 Reuters-21578 articles each, one document per article (deflated ZIPs);
- epub: 100 books of 20 Reuters articles each, one chapter per article;
- pdf: 2,000 Reuters-21578 articles, one PDF per article (Helvetica text, 80-character lines,
  45 lines a page, deflated content streams, title, author and creation date in the document
  information dictionary).
"""
import argparse
import email.utils
import json
import os
import quopri
import re
import subprocess
import textwrap
import zipfile
import zlib
from xml.sax.saxutils import escape

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def load(path):
    out = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def message(doc, index, html=False):
    group = doc["id"].split("/")[0]
    year, month, day = (int(x) for x in doc["date"].split("-"))
    date = email.utils.format_datetime(__import__("datetime").datetime(year, month, day, 12, 0, tzinfo=__import__("datetime").timezone.utc))
    body = doc["body"].encode("latin-1", "replace")
    headers = [f"From: Poster {index} <poster{index}@{group}>", f"Newsgroups: {group}",
               f"Subject: {doc['title'] or ''}", f"Date: {date}", f"Message-ID: <{doc['id'].replace('/', '.')}@news>",
               "MIME-Version: 1.0"]
    if not html:
        headers += ["Content-Type: text/plain; charset=ISO-8859-1", "Content-Transfer-Encoding: quoted-printable"]
        return ("\n".join(headers) + "\n\n").encode() + quopri.encodestring(body) + b"\n"
    boundary = f"b{index}"
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in doc["body"].split("\n\n"))
    parts = [f"--{boundary}\nContent-Type: text/plain; charset=ISO-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n".encode()
             + quopri.encodestring(body) + b"\n",
             f"--{boundary}\nContent-Type: text/html; charset=UTF-8\n\n<html><body>{paragraphs}</body></html>\n".encode("utf-8", "replace"),
             f"--{boundary}--\n".encode()]
    headers.append(f"Content-Type: multipart/alternative; boundary=\"{boundary}\"")
    return ("\n".join(headers) + "\n\n").encode() + b"".join(parts)


def xml_text(text):
    return escape(CONTROL.sub("", text or ""))


def docx(article):
    paragraphs = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{xml_text(p)}</w:t></w:r></w:p>" for p in article["body"].split("\n"))
    title = xml_text(article["title"])
    return {
        "[Content_Types].xml": "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>",
        "word/document.xml": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
        f"<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t>{title}</w:t></w:r></w:p>{paragraphs}</w:body></w:document>",
        "docProps/core.xml": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
        "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\">"
        f"<dc:title>{title}</dc:title><dc:creator>Reuters</dc:creator><dcterms:created>{article['date']}T00:00:00Z</dcterms:created></cp:coreProperties>",
    }


def odt(article):
    paragraphs = "".join(f"<text:p>{xml_text(p)}</text:p>" for p in article["body"].split("\n"))
    title = xml_text(article["title"])
    return {
        "mimetype": "application/vnd.oasis.opendocument.text",
        "content.xml": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
        "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"><office:body><office:text>"
        f"<text:h text:outline-level=\"1\">{title}</text:h>{paragraphs}</office:text></office:body></office:document-content>",
        "meta.xml": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-meta xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
        "xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><office:meta>"
        f"<dc:title>{title}</dc:title><meta:initial-creator>Reuters</meta:initial-creator><meta:creation-date>{article['date']}T00:00:00</meta:creation-date>"
        "</office:meta></office:document-meta>",
    }


def epub(number, articles):
    manifest = "".join(f"<item id=\"c{i}\" href=\"c{i}.xhtml\" media-type=\"application/xhtml+xml\"/>" for i in range(len(articles)))
    spine = "".join(f"<itemref idref=\"c{i}\"/>" for i in range(len(articles)))
    members = {
        "mimetype": "application/epub+zip",
        "META-INF/container.xml": "<?xml version=\"1.0\"?><container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">"
        "<rootfiles><rootfile full-path=\"OEBPS/content.opf\" media-type=\"application/oebps-package+xml\"/></rootfiles></container>",
        "OEBPS/content.opf": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\">"
        "<metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        f"<dc:title>Reuters book {number}</dc:title><dc:creator>Reuters</dc:creator><dc:language>en</dc:language><dc:date>{articles[0]['date']}</dc:date>"
        f"</metadata><manifest>{manifest}</manifest><spine>{spine}</spine></package>",
    }
    for i, article in enumerate(articles):
        paragraphs = "".join(f"<p>{xml_text(p)}</p>" for p in article["body"].split("\n"))
        members[f"OEBPS/c{i}.xhtml"] = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><head>"
                                        f"<title>{xml_text(article['title'])}</title></head><body><h1>{xml_text(article['title'])}</h1>{paragraphs}</body></html>")
    return members


def write_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), text.encode("utf-8"), compress_type=method)


def pdf_string(text):
    text = text.encode("latin-1", "replace").decode("latin-1")
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf(article):
    lines = [article["title"], ""]
    for paragraph in article["body"].split("\n\n"):
        lines += textwrap.wrap(CONTROL.sub(" ", paragraph), 80) + [""]
    pages = [lines[i:i + 45] for i in range(0, len(lines), 45)] or [[]]
    objects = [None, None, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for page in pages:
        content = "".join(f"BT /F1 10 Tf 56 {760 - 15 * i} Td {pdf_string(line)} Tj ET\n" for i, line in enumerate(page))
        data = zlib.compress(content.encode("latin-1"))
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>".encode())
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>".encode()
    date = article.get("date") or "1987-03-01"
    objects.append(f"<< /Title {pdf_string(article['title'])} /Author (Reuters) /CreationDate (D:{date.replace('-', '')[:8]}120000Z) >>".encode("latin-1", "replace"))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, len(objects), xref)
    return bytes(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    news = load(os.path.join(args.shared, "20newsgroups/20newsgroups.jsonl.zst"))
    reuters = [a for a in load(os.path.join(args.shared, "reuters21578/reuters21578.jsonl.zst")) if a["body"] and a["title"]]
    for folder in ["eml", "mbox", "maildir/Mail/cur", "maildir/Mail/new", "maildir/Mail/tmp", "docx", "odt", "epub", "pdf"]:
        os.makedirs(os.path.join(args.out, folder), exist_ok=True)
    for i, doc in enumerate(news[:4000]):
        with open(os.path.join(args.out, "eml", f"{i:05d}.eml"), "wb") as f:
            f.write(message(doc, i, html=i % 4 == 3))
    for i, doc in enumerate(news[4000:8000]):
        with open(os.path.join(args.out, "maildir/Mail/cur", f"{1700000000 + i}.M{i}P1.host:2,S"), "wb") as f:
            f.write(message(doc, i, html=i % 4 == 3))
    groups = {}
    for i, doc in enumerate(news):
        groups.setdefault(doc["id"].split("/")[0], []).append((i, doc))
    for group, docs in groups.items():
        with open(os.path.join(args.out, "mbox", group + ".mbox"), "wb") as f:
            for i, doc in docs:
                f.write(f"From poster{i}@{group} Mon Apr  5 12:00:00 1993\n".encode())
                text = message(doc, i)
                f.write(re.sub(rb"(?m)^(>*From )", rb">\1", text) + b"\n")
    for i, article in enumerate(reuters[:2000]):
        write_zip(os.path.join(args.out, "docx", f"{article['id']}.docx"), docx(article))
        write_zip(os.path.join(args.out, "odt", f"{article['id']}.odt"), odt(article))
        with open(os.path.join(args.out, "pdf", f"{article['id']}.pdf"), "wb") as f:
            f.write(pdf(article))
    for book in range(100):
        write_zip(os.path.join(args.out, "epub", f"book{book:03d}.epub"), epub(book, reuters[2000 + book * 20: 2000 + (book + 1) * 20]))


if __name__ == "__main__":
    main()
