"""Reading multipart/form-data bodies in the fake servers (file uploads), with the standard library
only: starlette's own form parser needs python-multipart, which Jaring does not otherwise depend on."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP

__all__ = ["FormFile", "parse_multipart"]


@dataclass(frozen=True, slots=True)
class FormFile:
    name: str
    media_type: str
    content: bytes = field(repr=False)


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, FormFile]]:
    """The text fields and the files of a multipart/form-data body, each by field name."""
    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    fields: dict[str, str] = {}
    files: dict[str, FormFile] = {}
    for part in message.iter_parts() if message.is_multipart() else ():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = content.decode()
        else:
            files[name] = FormFile(filename, part.get_content_type(), content)
    return fields, files
