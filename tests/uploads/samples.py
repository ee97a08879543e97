"""Files to upload in tests, made here: real images (with the metadata phones put in them), PDFs
clean and dangerous, and things that only pretend to be images."""
import io
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def image_bytes(fmt="JPEG", size=(640, 480), mode="RGB", color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def phone_photo(size=(800, 600), orientation=6) -> bytes:
    """A JPEG as a phone writes it: the camera, where it was taken (GPS), and held sideways."""
    image = Image.new("RGB", size, (20, 120, 200))
    image.paste((250, 250, 0), (0, 0, size[0] // 4, size[1] // 4))  # a corner to tell which way is up
    exif = image.getexif()
    exif[0x010F] = "TelefonoMarca"  # Make
    exif[0x0110] = "Modelo X"  # Model
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (14.0, 37.0, 55.0), 3: "W", 4: (90.0, 30.0, 45.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"Tomada en la casa de la vecina")
    return out.getvalue()


def pdf_bytes(body: bytes = b"") -> bytes:
    """A small PDF; `body` adds objects (before the trailer)."""
    return (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
            b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>\nendobj\n"
            b"4 0 obj\n<< /Length 24 >>\nstream\nBT /F1 12 Tf (Hola) Tj ET\nendstream\nendobj\n"
            + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def pdf_with_object_stream(objects: bytes) -> bytes:
    """A PDF 1.5 whose dictionaries are compressed in an object stream."""
    data = zlib.compress(objects)
    return pdf_bytes(b"5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
                     + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream\nendobj\n")
